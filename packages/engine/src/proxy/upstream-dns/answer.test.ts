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
