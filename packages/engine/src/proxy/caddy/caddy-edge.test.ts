import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaOfAddress } from '../upstream-dns/zone.js';
import { fromUpstreamTable, toUpstreamTable } from './caddy-edge.js';

const a = { name: 'berth-web-r1-1', host: '127.0.0.1', port: 4001 };
const b = { name: 'berth-api-r1-1', host: '127.0.0.1', port: 4002 };

test("the edge's upstreams become SRV sets and read back the same, apps without replicas left out", () => {
  const table = toUpstreamTable({ web: [a], api: [b], quiet: [] });
  assert.deepEqual(table, { sets: { 'web.apps.berth.internal': [a], 'api.apps.berth.internal': [b] } });
  assert.deepEqual(fromUpstreamTable(table), { web: [a], api: [b] });
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
