import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Role } from '@berth/store';
import { generateToken, hashToken } from '@berth/crypto';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { liveApp, UNKNOWN_DEPLOYMENT, VALID_REQUESTS } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client, type Req } from './test-support/http.js';
import { listOperations, toUrl, type Operation } from './test-support/openapi.js';

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
const PARAMS = { app: 'web', id: UNKNOWN_DEPLOYMENT };

const requestFor = (op: Operation, auth: Pick<Req, 'token' | 'headers'>): Req => {
  const valid = VALID_REQUESTS[op.operationId];
  assert.ok(valid, `VALID_REQUESTS has no ${op.operationId}`);
  return { method: op.method, url: toUrl(op, PARAMS, valid.query), body: valid.body, ...auth };
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

test('health is public: it answers with no token, and with a wrong one', async () => {
  const publicOps = operations.filter((op) => op.isPublic).map((op) => op.operationId);
  assert.deepEqual(publicOps, ['health']);
  for (const token of [null, 'nonsense']) {
    const res = await client.send({ method: 'GET', url: `${API}/health`, token });
    assert.equal(res.status, 200, res.text);
  }
});

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

async function addToken(role: Role, over: { revokedAt?: number; expiresAt?: number } = {}): Promise<string> {
  const token = generateToken('berth');
  const teamId = (await api.store.tokens.list())[0]?.teamId ?? '';
  await api.store.tokens.create({
    id: `tok_${'a'.repeat(19)}${role.length}`,
    name: role,
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

test('a viewer may read but not change anything: 403 FORBIDDEN, writing nothing', async (t) => {
  const token = await addToken('viewer');
  for (const op of operations.filter((o) => !o.isPublic)) {
    await t.test(op.operationId, async () => {
      const before = api.db.take();
      const res = await client.send(requestFor(op, { token }));
      if (op.method === 'GET' && op.operationId !== 'streamLogs') {
        assert.ok(res.status === 200 || res.status === 404, `${op.operationId}: ${res.status} ${res.text}`);
      } else {
        expectProblem(res, 403, 'FORBIDDEN');
        assertSameDb(before, api.db.take(), `${op.operationId} as a viewer`);
      }
    });
  }
});
