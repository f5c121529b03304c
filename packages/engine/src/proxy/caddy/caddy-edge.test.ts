import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaOfAddress } from '../upstream-dns/zone.js';
import { fromUpstreamTable, toEdgeTable, toUpstreamSets } from './caddy-edge.js';

const a = { name: 'berth-web-r1-1', host: '127.0.0.1', port: 4001 };
const b = { name: 'berth-api-r1-1', host: '127.0.0.1', port: 4002 };

test("the edge's upstreams become SRV sets and read back the same, apps without replicas left out", () => {
  const sets = toUpstreamSets({ web: [a], api: [b], quiet: [] });
  assert.deepEqual(sets, { 'web.apps.berth.internal': [a], 'api.apps.berth.internal': [b] });
  assert.deepEqual(fromUpstreamTable({ sets }), { web: [a], api: [b] });
});

test('a set outside the zone is not read back as an app', () => {
  assert.deepEqual(
    fromUpstreamTable({ sets: { 'web.example.com': [a], 'x.y.apps.berth.internal': [a] } }),
    {},
  );
});

test('a Caddy upstream address names its replica, with or without the final dot', () => {
  assert.equal(replicaOfAddress('berth-web-r1-1.replicas.berth.internal.:4001'), 'berth-web-r1-1');
  assert.equal(replicaOfAddress('berth-web-r1-1.replicas.berth.internal:4001'), 'berth-web-r1-1');
  assert.equal(replicaOfAddress('127.0.0.1:4001'), null);
  assert.equal(replicaOfAddress('.replicas.berth.internal.:1'), null);
});

const cert = (...names: string[]): { names: string[]; chainPem: string; keyPem: string } => ({
  names,
  chainPem: '-----BEGIN CERTIFICATE-----',
  keyPem: '-----BEGIN PRIVATE KEY-----',
});

test('hosts are served over HTTPS only with a listener and a certificate (exact or wildcard)', () => {
  const state = {
    routes: [
      {
        appId: 'app_web',
        appName: 'web',
        hostnames: ['example.com', 'web.apps.example.com', 'web.localhost'],
        redirects: [{ from: 'www.example.com', to: 'example.com' }],
        internalFrom: '10.89.0.0/24',
      },
    ],
    upstreams: { web: [a] },
    certificates: [cert('example.com', 'www.example.com'), cert('*.apps.example.com')],
    challenges: { tok: 'tok.thumb' },
  };
  assert.deepEqual(toEdgeTable(state, 8443), {
    sets: { 'web.apps.berth.internal': [a] },
    hosts: {
      'example.com': { app: 'web', https: true },
      'web.apps.example.com': { app: 'web', https: true },
      'web.localhost': { app: 'web', https: false },
    },
    internal: { 'web.internal': { app: 'web', from: '10.89.0.0/24' } },
    redirects: { 'www.example.com': { to: 'example.com', https: true } },
    challenges: { tok: 'tok.thumb' },
    httpsPort: 8443,
  });
  const plain = toEdgeTable(state, null);
  assert.equal(plain.hosts?.['example.com']?.https, false, 'no HTTPS listener: plain HTTP');
  assert.equal(plain.httpsPort, undefined);
});

test('a name two routes claim goes to the first; a redirect never shadows a served name', () => {
  const table = toEdgeTable(
    {
      routes: [
        { appId: 'a1', appName: 'api', hostnames: ['x.test'], redirects: [{ from: 'y.test', to: 'x.test' }] },
        { appId: 'a2', appName: 'web', hostnames: ['x.test', 'y.test'] },
      ],
      upstreams: {},
    },
    null,
  );
  assert.deepEqual(table.hosts, {
    'x.test': { app: 'api', https: false },
    'y.test': { app: 'web', https: false },
  });
  assert.deepEqual(table.redirects, {});
});
