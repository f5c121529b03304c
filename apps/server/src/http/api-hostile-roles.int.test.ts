// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { ErrorCode } from '@berth/protocol';
import { assertSameDb } from './test-support/db-snapshot.js';
import { validRequestOf } from './test-support/fixtures.js';
import { hostileRequests, PWNED, type Base, type HostileRequest } from './test-support/hostile-walk.js';
import { API, expectProblem, type Res } from './test-support/http.js';
import { listOperations, type Operation } from './test-support/openapi.js';
import { cellFor, expectationOf, isAllowed } from './test-support/rbac-matrix.js';
import { APP_A, createWorld, type Actor, type World } from './test-support/rbac-world.js';

/**
 * Every input of every operation in openapi.yaml, made hostile one at a time, sent as each role
 * of team A (public operations once, without a token: they never read one). Validation comes
 * before authorization, so a value the spec refuses is 400 naming the field for every role; a
 * value it accepts meets the RBAC matrix (test-support/rbac-matrix.ts). Never a 5xx, every
 * error a problem, nothing written by anything refused, and nothing ever run.
 */

let w: World;
let keyId: string;
before(async () => {
  w = await createWorld({ users: false, inMemory: true });
  const keys = await w.client.send({ method: 'GET', url: `${API}/keys` });
  keyId = (keys.json as { keys: { id: string }[] }).keys[0]?.id ?? '';
});
after(() => w.api.close());

const operations = listOperations();
let sent = 0;

/** A valid request on team A's things; the walk changes one input of it at a time. */
function baseOf(op: Operation): Base {
  const valid = validRequestOf(op.operationId);
  const id = op.path.startsWith(`${API}/keys/`) ? keyId : (w.appA.deployments[1] ?? '');
  return {
    params: { ...valid.params, app: APP_A, id, user: w.loginEmail },
    query: Object.fromEntries(new URLSearchParams(valid.query ?? '')),
    body: valid.body,
  };
}

/** Operations that an allowed request takes to an agent (none is connected here). */
const NEEDS_AN_AGENT: ReadonlySet<string> = new Set([
  'streamLogs',
  'runApp',
  'restoreVolume',
  'restoreDatabase',
]);

/** Codes that mean "not you": an allowed request never gets them. */
const REFUSALS: readonly string[] = ['UNAUTHENTICATED', 'FORBIDDEN', 'CSRF_FAILED'];

interface Want {
  statuses: readonly number[];
  code?: ErrorCode;
  field?: string;
  /** The operation's own answer: 2xx or a problem it documents (other than 401 and 403). */
  own: boolean;
}

function wantOf(op: Operation, actor: Actor | null, h: HostileRequest): Want {
  const o = h.outcome;
  switch (o.kind) {
    case 'too-large':
      return { statuses: [413], code: 'BODY_TOO_LARGE', own: false };
    case 'invalid':
      return { statuses: [400], code: 'VALIDATION_FAILED', field: o.field, own: false };
    case 'too-long':
      return { statuses: [400], code: 'VALIDATION_FAILED', own: false };
    case 'unroutable':
      // `GET /apps/` is `GET /apps`: a GET may land on the list it shortens to.
      return op.method === 'GET'
        ? { statuses: [200, 404], own: false }
        : { statuses: [404], code: 'ROUTE_NOT_FOUND', own: false };
    case 'valid': {
      const e = expectationOf(op.operationId);
      const cell = actor === null ? 'ok' : cellFor(e.own[actor.role], actor.kind);
      if (o.retarget || cell === '404')
        return { statuses: [404], ...(e.notFound && { code: e.notFound }), own: false };
      if (cell === '403') return { statuses: [403], code: 'FORBIDDEN', own: false };
      assert.ok(isAllowed(cell), `${op.operationId}: cell ${cell}`);
      return { statuses: [], own: true };
    }
  }
}

/** Why the answer is wrong, or null. */
function wrongAnswer(op: Operation, want: Want, res: Res): string | null {
  try {
    // No agent runs in this world: what reaches one answers 503, the operation's own answer.
    const agentless = NEEDS_AN_AGENT.has(op.operationId) && want.own;
    if (res.status >= 500 && !(agentless && res.status === 503))
      return `a ${res.status}: ${res.text.slice(0, 300)}`;
    if (want.own) {
      if (res.status < 300 || (op.operationId === 'execApp' && res.status === 426)) return null;
      assert.ok(op.responses[String(res.status)], `${res.status} is not documented`);
      const problem = expectProblem(res, res.status, (res.json as { code: ErrorCode }).code);
      assert.ok(!REFUSALS.includes(problem.code), `allowed, yet ${problem.code}`);
      return null;
    }
    assert.ok(
      want.statuses.includes(res.status),
      `expected ${want.statuses.join(' or ')}, got ${res.status}: ${res.text.slice(0, 300)}`,
    );
    if (res.status >= 400)
      expectProblem(res, res.status, want.code ?? (res.json as { code: ErrorCode }).code, want.field);
    return null;
  } catch (err) {
    return err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
  }
}

async function walk(op: Operation, requests: HostileRequest[], actor: Actor | null): Promise<string[]> {
  const failures: string[] = [];
  const token = actor?.token ?? null;
  const send = async (h: HostileRequest, want: Want): Promise<Res> => {
    sent += 1;
    const res = await w.client.send({ ...h.req, token });
    const wrong = wrongAnswer(op, want, res);
    if (wrong) failures.push(`${h.label}: ${wrong}`);
    return res;
  };
  const wants = requests.map((h) => [h, wantOf(op, actor, h)] as const);
  // Everything that must be refused, against one snapshot; then each that may succeed on its own.
  const before = w.api.db.take();
  for (const [h, want] of wants.filter(([, x]) => !x.own)) await send(h, want);
  try {
    assertSameDb(before, w.api.db.take(), `one of the refused hostile ${op.operationId} requests`);
  } catch (err) {
    failures.push(err instanceof Error ? err.message : String(err));
  }
  let snapshot = w.api.db.take();
  for (const [h, want] of wants.filter(([, x]) => x.own)) {
    const res = await send(h, want);
    const now = w.api.db.take();
    if (res.status >= 300) {
      try {
        assertSameDb(snapshot, now, h.label);
      } catch (err) {
        failures.push(`${h.label}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    snapshot = now;
  }
  return failures;
}

/**
 * An allowed event stream that follows never ends by itself (`follow=true` is a valid value):
 * the walk sends every request that ends; following is tested over HTTP in api-events.int.test.ts.
 */
const ends = (op: Operation, h: HostileRequest): boolean =>
  op.operationId !== 'streamEvents' ||
  h.outcome.kind !== 'valid' ||
  /[?&]follow=(false|0)(&|$)/.test(h.req.url);

for (const op of operations) {
  test(`${op.operationId}: ${op.method} ${op.path}`, async (t) => {
    const actors = op.isPublic ? [null] : w.actors;
    const requests = hostileRequests(op, baseOf(op), expectationOf(op.operationId).scope).filter((h) =>
      ends(op, h),
    );
    for (const actor of actors) {
      await t.test(actor?.label ?? 'no token (public)', async () => {
        const failures = await walk(op, requests, actor);
        assert.deepEqual(failures.slice(0, 25), [], `${failures.length} wrong answer(s)`);
      });
    }
  });
}

test('nothing was run: no value created the file its command names', (t) => {
  assert.equal(existsSync(PWNED), false, `${PWNED} exists`);
  t.diagnostic(`the hostile walk sent ${sent} requests as ${w.actors.length} roles`);
});
