// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditRow } from '@berth/store';
import { assertSameDb } from './test-support/db-snapshot.js';
import { expectProblem, type Req, type Res } from './test-support/http.js';
import { listOperations, toUrl, type Operation } from './test-support/openapi.js';
import {
  cellFor,
  expectationOf,
  isAllowed,
  MATRIX,
  type Cell,
  type Target,
} from './test-support/rbac-matrix.js';
import { SCENARIOS, type Call, type OtherCall } from './test-support/rbac-scenarios.js';
import { createWorld, type Actor, type World } from './test-support/rbac-world.js';

/**
 * Every operation of openapi.yaml × every role of team A (as an API token and as a logged-in
 * user) × a target in A and one in team B, against the table in test-support/rbac-matrix.ts.
 * A refusal is the documented problem, writes nothing but its `denied` audit row (changes and
 * streams; other reads are not audited), and never shows anything of team B: B's answer is the answer for
 * something that does not exist.
 */

let w: World;
before(async () => {
  w = await createWorld({ users: true });
});
after(() => w.api.close());

const operations = listOperations();
/** Allowed, they reach an agent, and none runs here: 503. */
const NEEDS_AN_AGENT = new Set([
  'streamLogs',
  'getProxyHistory',
  'rollbackProxy',
  'deleteVolume',
  'deleteDatabase',
  'restoreVolume',
  'restoreDatabase',
  'runApp',
]);
/** Allowed, they order a certificate, and this berthd has no ACME CA: 409. */
const NEEDS_ACME = new Set(['renewDomain']);
let cells = 0;
let n = 0;

test('the matrix and the scenarios have exactly the operations of openapi.yaml', () => {
  const ids = operations.map((op) => op.operationId).sort();
  assert.deepEqual(Object.keys(MATRIX).sort(), ids, 'a row in test-support/rbac-matrix.ts per operation');
  assert.deepEqual(Object.keys(SCENARIOS).sort(), ids, 'a scenario in test-support/rbac-scenarios*.ts');
});

for (const op of operations) {
  test(`${op.operationId}: ${op.method} ${op.path}`, async (t) => {
    const expectation = expectationOf(op.operationId);
    for (const actor of w.actors) {
      for (const target of ['own', 'other'] as const) {
        const cell = cellFor(expectation[target][actor.role], actor.kind);
        if (cell === '-') continue;
        await t.test(`${actor.label}, ${target} team: ${cell}`, () => runCell(op, actor, target, cell));
      }
    }
  });
}

test('counts', (t) => {
  t.diagnostic(`${cells} cells, ${w.client.sent} requests (setup included)`);
});

async function runCell(op: Operation, actor: Actor, target: Target, cell: Cell): Promise<void> {
  cells += 1;
  const scenario = SCENARIOS[op.operationId];
  assert.ok(scenario, `no scenario for ${op.operationId}`);
  const info = { n: (n += 1), actor };
  let other: OtherCall | null = null;
  let call: Call;
  if (target === 'own' || scenario.other === 'same') {
    call = await scenario.own(w, info);
  } else if (isAllowed(cell) && scenario.otherFresh) {
    // Allowed on B (an installation owner): a target of its own, as `own` makes one in A.
    call = await scenario.otherFresh(w, info);
  } else {
    assert.ok(scenario.other, `${op.operationId} has a cell for team B but no way to name B's target`);
    other = scenario.other(w);
    call = other.call;
  }
  const req = toReq(op, actor, call);
  const before = w.api.db.take();
  const seq = await lastSeq();
  const res = await w.client.send(req);
  const rows = await w.api.store.audit.list({ afterSeq: seq, limit: 100 });
  assertNoMarkers(op, actor, req, res);
  if (isAllowed(cell)) {
    if (NEEDS_AN_AGENT.has(op.operationId)) expectProblem(res, 503, 'AGENT_UNAVAILABLE');
    else if (NEEDS_ACME.has(op.operationId)) expectProblem(res, 409, 'ACME_NOT_CONFIGURED');
    else if (op.operationId === 'execApp') expectProblem(res, 426, 'UPGRADE_REQUIRED');
    else if (op.operationId === 'setupFirstOwner') {
      expectProblem(res, 400, 'SETUP_TOKEN_INVALID');
      return;
    } else assert.ok(res.status >= 200 && res.status < 300, `expected 2xx, got ${res.status}: ${res.text}`);
    if (op.method !== 'GET') {
      // A change an agent was to make, with none here, is recorded as tried and failed.
      const outcome = NEEDS_AN_AGENT.has(op.operationId) || NEEDS_ACME.has(op.operationId) ? 'failed' : 'ok';
      assert.ok(
        rows.some((r) => r.requestId === res.headers['x-request-id'] && r.outcome === outcome),
        'a change is audited',
      );
    }
    await scenario.check?.(res, w, info);
    return;
  }
  const expectation = expectationOf(op.operationId);
  const code = cell === '403' ? 'FORBIDDEN' : expectation.notFound;
  assert.ok(code, `${op.operationId} has 404 cells but no not-found code`);
  const problem = expectProblem(res, cell === '403' ? 403 : 404, code);
  assertSameDb(before, w.api.db.take(), `${op.operationId} as ${actor.label} on ${target}`);
  // Refused in a team it can see: recorded in that team. In one it cannot: in no team.
  const inTeam = cell === '403' && !['installation', 'none', 'user'].includes(expectation.scope);
  assertDeniedRow(op, actor, res, rows, inTeam ? w.api.defaultTeamId : null);
  if (other) {
    const ghost = expectProblem(await w.client.send(toReq(op, actor, other.ghost)), 404, code);
    const [named, ghostNamed] = other.swap;
    assert.equal(
      problem.detail.replaceAll(named, '∅'),
      ghost.detail.replaceAll(ghostNamed, '∅'),
      "team B's target answers as if it did not exist",
    );
    assert.equal(problem.hint, ghost.hint);
  }
}

function toReq(op: Operation, actor: Actor, call: Call): Req {
  return {
    method: op.method,
    url: toUrl(op, call.params ?? {}, call.query),
    ...(call.body !== undefined && { body: call.body }),
    ...(call.raw !== undefined && { raw: call.raw }),
    ...(call.headers !== undefined && { headers: call.headers }),
    token: call.token === undefined ? actor.token : call.token,
  };
}

const lastSeq = async (): Promise<number> => (await w.api.store.audit.last())?.seq ?? 0;

/** The long-lived reads: opening one is an attempt, audited when refused (`stream.open`). */
const STREAMS = new Set([
  'streamLogs',
  'streamBuildLog',
  'streamDeploymentEvents',
  'exportAudit',
  'streamEvents',
]);
/** Reads audited under their own action: opening an exec session (even refused) is one. */
const AUDITED_READS: Record<string, string> = { execApp: 'app.exec' };

/**
 * A refused change, or a refused stream, leaves exactly one row, `denied`, naming its actor,
 * request and team. Other reads leave none.
 */
function assertDeniedRow(
  op: Operation,
  actor: Actor,
  res: Res,
  rows: AuditRow[],
  teamId: string | null,
): void {
  const stream = STREAMS.has(op.operationId);
  const action = AUDITED_READS[op.operationId];
  if (op.method === 'GET' && !stream && !action) {
    assert.deepEqual(rows, [], 'a refused read is not audited');
    return;
  }
  assert.equal(rows.length, 1, `one audit row, got ${JSON.stringify(rows)}`);
  const [row] = rows;
  assert.deepEqual(
    [row?.outcome, row?.actorKind, row?.actorId, row?.requestId, row?.teamId],
    ['denied', actor.kind, actor.id, res.headers['x-request-id'], teamId],
  );
  if (stream) assert.equal(row?.action, 'stream.open');
  if (action) assert.equal(row?.action, action);
}

/** Nothing of team B, except what the request itself named; an installation owner manages B too. */
function assertNoMarkers(op: Operation, actor: Actor, req: Req, res: Res): void {
  if (actor.role === 'owner') return;
  const asked = `${decodeURIComponent(req.url)} ${JSON.stringify(req.body ?? null)}`;
  for (const marker of w.bMarkers) {
    if (asked.includes(marker)) continue;
    assert.ok(
      !res.text.includes(marker),
      `${op.operationId}: the answer shows team B's ${marker}: ${res.text.slice(0, 300)}`,
    );
  }
}
