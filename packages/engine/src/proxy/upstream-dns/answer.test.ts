import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerUpstreamQuery, type UpstreamTable } from './answer.js';
import { toReplicaHostname, toUpstreamSetName } from './zone.js';

const table: UpstreamTable = {
  sets: {
    [toUpstreamSetName('web')]: [
      { name: 'berth-web-r1-1', host: '127.0.0.1', port: 4001 },
      { name: 'berth-web-r1-2', host: '10.0.0.2', port: 4002 },
    ],
  },
};

test('an app set answers SRV with one target per replica, and nothing for other types', () => {
  assert.deepEqual(answerUpstreamQuery(table, 'web.apps.berth.internal.', 'SRV'), {
    srv: [
      { target: toReplicaHostname('berth-web-r1-1'), port: 4001 },
      { target: toReplicaHostname('berth-web-r1-2'), port: 4002 },
    ],
  });
  assert.deepEqual(answerUpstreamQuery(table, 'WEB.apps.berth.internal', 'A'), {});
});

test("a replica's name answers A with the address the proxy dials", () => {
  assert.deepEqual(answerUpstreamQuery(table, 'berth-web-r1-2.replicas.berth.internal', 'A'), {
    a: ['10.0.0.2'],
  });
  assert.deepEqual(answerUpstreamQuery(table, 'berth-web-r1-2.replicas.berth.internal', 'SRV'), {});
});

test('a name the table does not hold does not exist', () => {
  assert.equal(answerUpstreamQuery(table, 'api.apps.berth.internal', 'SRV'), null);
  assert.equal(answerUpstreamQuery(table, 'berth-web-r9-1.replicas.berth.internal', 'A'), null);
  assert.equal(answerUpstreamQuery({ sets: {} }, 'example.com', 'OTHER'), null);
});

const service = { host: '127.0.0.1', port: 9999 };
const edgeTable: UpstreamTable = {
  ...table,
  hosts: {
    'example.com': { app: 'web', https: true },
    'web.localhost': { app: 'web', https: false },
    'idle.test': { app: 'idle', https: false },
  },
  internal: { 'web.internal': { app: 'web', from: '10.89.0.0/24' } },
  redirects: { 'www.example.com': { to: 'example.com', https: true } },
};
const toService = { srv: [{ target: 'edge.berth.internal', port: 9999 }] };
const srv = (name: string): unknown => answerUpstreamQuery(edgeTable, name, 'SRV', service);

test("a host's set is its app's replicas; over plain HTTP, a host with a certificate goes to the responder", () => {
  const web = answerUpstreamQuery(table, toUpstreamSetName('web'), 'SRV');
  assert.deepEqual(srv('example.com.hosts.berth.internal'), web);
  assert.deepEqual(srv('EXAMPLE.com.plain-hosts.berth.internal.'), toService);
  assert.deepEqual(srv('web.localhost.plain-hosts.berth.internal'), web);
  assert.deepEqual(srv('web.localhost.hosts.berth.internal'), web);
});

test('unknown hosts and redirects go to the responder; a known app without replicas does not exist yet', () => {
  assert.deepEqual(srv('nobody.test.hosts.berth.internal'), toService);
  assert.deepEqual(srv('www.example.com.plain-hosts.berth.internal'), toService);
  assert.equal(srv('idle.test.hosts.berth.internal'), null, 'Caddy retries within its window, then 503');
  assert.deepEqual(answerUpstreamQuery(edgeTable, 'edge.berth.internal', 'A', service), { a: ['127.0.0.1'] });
  assert.equal(answerUpstreamQuery(edgeTable, 'edge.berth.internal', 'A'), null, 'no service, no name');
});

test('<app>.internal is answered only for a client in its team subnet', () => {
  const web = answerUpstreamQuery(table, toUpstreamSetName('web'), 'SRV');
  assert.deepEqual(srv('web.internal.from-10.89.0.7.hosts.berth.internal'), web);
  assert.deepEqual(srv('web.internal.from-10.89.1.7.hosts.berth.internal'), toService);
  assert.deepEqual(srv('db.internal.from-10.89.0.7.hosts.berth.internal'), toService);
  // A public host that looks like an internal set name is still only a host.
  assert.deepEqual(srv('web.internal.from-10.89.0.7.plain-hosts.berth.internal'), toService);
});

test('a wildcard domain serves the names one label under it that no exact name or redirect takes', () => {
  const withWildcard: UpstreamTable = {
    ...edgeTable,
    hosts: { ...edgeTable.hosts, '*.example.com': { app: 'idle', https: false } },
  };
  const ask = (name: string): unknown => answerUpstreamQuery(withWildcard, name, 'SRV', service);
  assert.equal(ask('shop.example.com.hosts.berth.internal'), null, 'the wildcard app (no replicas yet)');
  assert.deepEqual(ask('example.com.hosts.berth.internal'), srv('example.com.hosts.berth.internal'));
  assert.deepEqual(ask('www.example.com.plain-hosts.berth.internal'), toService, 'a redirect stays one');
  assert.deepEqual(ask('a.b.example.com.hosts.berth.internal'), toService, 'one label only');
});
