// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Role } from '@berth/store';
import { generateToken, hashToken } from '@berth/crypto';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { liveApp, validRequestOf } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client, type Req } from './test-support/http.js';
import { listOperations, toUrl, type Operation } from './test-support/openapi.js';
import { expectationOf } from './test-support/rbac-matrix.js';

/** Every operation but health needs a valid token, and a token's role bounds what it may do. */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
  await liveApp(client, api.store, 'web');
});
after(() => api.close());

const operations = listOperations();

const requestFor = (op: Operation, auth: Pick<Req, 'token' | 'headers'>): Req => {
  const valid = validRequestOf(op.operationId);
  return { method: op.method, url: toUrl(op, valid.params, valid.query), body: valid.body, ...auth };
};

/** Ways to not present a valid token; built from the owner token, so some are near misses. */
function anonymous(): Record<string, Pick<Req, 'token' | 'headers'>> {
  const owner = api.token;
  return {
    'no Authorization header': { token: null },
    'an unknown token': { token: generateToken('berth') },
    'the owner token with one character changed': {
      token: owner.slice(0, -1) + (owner.endsWith('A') ? 'B' : 'A'),
    },
    'the owner token cut short': { token: owner.slice(0, -1) },
    'an empty bearer token': { token: null, headers: { authorization: 'Bearer ' } },
    'the Basic scheme': { token: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } },
    'the owner token with no scheme': { token: null, headers: { authorization: owner } },
    'the owner token with a trailing word': {
      token: null,
      headers: { authorization: `Bearer ${owner} please` },
    },
    'a 10 KiB token': { token: 'x'.repeat(10 * 1024) },
  };
}

test('every non-public operation answers 401 UNAUTHENTICATED without a valid token, writing nothing', async (t) => {
  const guarded = operations.filter((op) => !op.isPublic);
  assert.ok(guarded.length >= 15, 'the spec lists the guarded operations');
  for (const op of guarded) {
    for (const [how, auth] of Object.entries(anonymous())) {
      await t.test(`${op.operationId} with ${how}`, async () => {
        const before = api.db.take();
        expectProblem(await client.send(requestFor(op, auth)), 401, 'UNAUTHENTICATED');
        assertSameDb(before, api.db.take(), `${op.operationId} with ${how}`);
      });
    }
  }
});

test('health, login and setting a password are public: a token, right or wrong, changes nothing', async () => {
  const publicOps = operations.filter((op) => op.isPublic).map((op) => op.operationId);
  // The webhooks are public too: a delivery proves itself with its HMAC signature (route-cases-builds.ts).
  // So is an agent's join: its one-time token is its credential (api-servers.int.test.ts).
  assert.deepEqual(publicOps.sort(), [
    'genericWebhook',
    'githubWebhook',
    'health',
    'joinServer',
    'login',
    'setPassword',
    'setupFirstOwner',
    'setupStatus',
  ]);
  for (const token of [null, 'nonsense', api.token]) {
    const health = await client.send({ method: 'GET', url: `${API}/health`, token });
    assert.equal(health.status, 200, health.text);
    // Each answers for what it was sent (an unknown account, an unknown one-time token), never 401 UNAUTHENTICATED.
    expectProblem(await client.send({ ...requestFor(op('login'), {}), token }), 401, 'INVALID_CREDENTIALS');
    expectProblem(await client.send({ ...requestFor(op('setPassword'), {}), token }), 400, 'TOKEN_INVALID');
    expectProblem(
      await client.send({ ...requestFor(op('setupFirstOwner'), {}), token }),
      400,
      'SETUP_TOKEN_INVALID',
    );
    expectProblem(
      await client.send({ ...requestFor(op('joinServer'), {}), token }),
      401,
      'JOIN_TOKEN_INVALID',
    );
  }
});

function op(operationId: string): Operation {
  const found = operations.find((o) => o.operationId === operationId);
  assert.ok(found, `openapi.yaml has no ${operationId}`);
  return found;
}

test('the scheme is case-insensitive and spaces around the token do not matter', async () => {
  for (const authorization of [`bearer ${api.token}`, `BEARER ${api.token}`, `Bearer   ${api.token}  `]) {
    const res = await client.send({
      method: 'GET',
      url: `${API}/apps`,
      token: null,
      headers: { authorization },
    });
    assert.equal(res.status, 200, `${authorization.slice(0, 8)}…: ${res.text}`);
  }
});

let added = 0;
/** A token row written straight to the store, so it can be born revoked or expired. */
async function addToken(role: Role, over: { revokedAt?: number; expiresAt?: number } = {}): Promise<string> {
  const token = generateToken('berth');
  const teamId = api.defaultTeamId;
  added += 1;
  await api.store.tokens.create({
    id: `tok_${'a'.repeat(19)}${'bcdefg'[added] ?? 'z'}`,
    name: `${role}-${added}`,
    hash: hashToken(token),
    role,
    teamId,
    createdAt: Date.now(),
    lastUsedAt: null,
    expiresAt: over.expiresAt ?? null,
    revokedAt: over.revokedAt ?? null,
  });
  return token;
}

test('revoked and expired tokens are refused', async () => {
  const revoked = await addToken('admin', { revokedAt: Date.now() - 1000 });
  const expired = await addToken('operator', { expiresAt: Date.now() - 1000 });
  for (const token of [revoked, expired]) {
    expectProblem(await client.send({ method: 'GET', url: `${API}/apps`, token }), 401, 'UNAUTHENTICATED');
  }
});

test('a viewer may only read, as the RBAC matrix says: anything else is 403 FORBIDDEN, writing nothing', async (t) => {
  const token = await addToken('viewer');
  for (const op of operations.filter((o) => !o.isPublic)) {
    await t.test(op.operationId, async () => {
      const cell = expectationOf(op.operationId).own.viewer;
      const before = api.db.take();
      const res = await client.send(requestFor(op, { token }));
      if (cell === '403') {
        expectProblem(res, 403, 'FORBIDDEN');
        assertSameDb(before, api.db.take(), `${op.operationId} as a viewer`);
      } else {
        // Allowed (or, for a user it may not manage, not there): whatever the valid request finds.
        assert.ok(![401, 403].includes(res.status), `${op.operationId}: ${res.status} ${res.text}`);
        assert.ok(res.status < 500 || op.operationId === 'streamLogs', `${op.operationId}: ${res.text}`);
        // Its only changes here name nothing that exists, or end a session it does not have.
        if (op.method !== 'GET') assertSameDb(before, api.db.take(), `${op.operationId} as a viewer`);
      }
    });
  }
});
