import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toPortClause, toPortFinding, toPortHint } from './port-hints.js';

const app = { name: 'web', port: 8080 };

test('a replica listening on the port on any address has no port problem', () => {
  for (const address of ['0.0.0.0', '::', '10.89.0.5']) {
    assert.deepEqual(toPortFinding([{ address, port: 8080 }], 8080), { kind: 'listening' });
  }
  const f = toPortFinding([{ address: '::', port: 8080 }], 8080);
  assert.equal(toPortHint(f, 'berth-web-v2-x-1', app), null);
  assert.equal(toPortClause(f, 8080), null);
  // Listening, yet refused: the published port's forwarding is what failed.
  assert.match(
    toPortClause(f, 8080, true) ?? '',
    /listens on 8080 inside its container: the engine's forwarding/,
  );
});

test('listening elsewhere names the port to use, early and in the failure', () => {
  const f = toPortFinding(
    [
      { address: '::', port: 5000 },
      { address: '127.0.0.1', port: 9229 },
    ],
    8080,
  );
  assert.deepEqual(f, { kind: 'elsewhere', ports: [5000] }, 'a loopback-only debug port is not a candidate');
  assert.equal(
    toPortHint(f, 'berth-web-v2-x-1', app),
    'berth-web-v2-x-1 is listening on 5000, not on 8080 where Berth probes it — use --port 5000 (berth apps update web --port 5000, then berth deploy web), or make the app listen on $PORT (8080)',
  );
  assert.equal(toPortClause(f, 8080), 'it listens on 5000, not 8080');
});

test('listening on the port on loopback only says to listen on all addresses', () => {
  const f = toPortFinding([{ address: '127.0.0.1', port: 8080 }], 8080);
  assert.deepEqual(f, { kind: 'loopback-only', address: '127.0.0.1' });
  assert.match(toPortHint(f, 'r', app) ?? '', /listens on 127\.0\.0\.1:8080 only.*0\.0\.0\.0 or ::/);
});

test('nothing listening yet is not said early (a slow start), but is said at the timeout', () => {
  const f = toPortFinding([], 8080);
  assert.deepEqual(f, { kind: 'nothing' });
  assert.equal(toPortHint(f, 'r', app), null);
  assert.equal(toPortClause(f, 8080), 'it listens on no TCP port');
});
