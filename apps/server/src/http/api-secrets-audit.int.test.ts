// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { verifyAuditChain, type ChainedAuditRecord } from '@berth/core';
import { createSecretBox, loadKeyring, sha3_256Hex } from '@berth/crypto';
import type { AuditRow } from '@berth/protocol';
import { certificateKeyAad } from '../certificates/sealing.js';
import { keyFile, secretAad } from '../secrets/keys.js';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp, liveApp } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client, type Req, type Res } from './test-support/http.js';
import { createTokenVia, sessionUser, type CreatedToken } from './test-support/principals.js';

/**
 * App secrets, the master keys that seal them, and the audit log. No plaintext leaves berthd or
 * reaches its disk; rotation re-seals every value under the new key, where it still opens. The
 * audit export and the pages of the list chain from the first row to the recorded head; owners
 * of the default team read all of it, a team's admins only its rows.
 */

let api: TestApi;
let client: Client;
/** Every response body the secret tests saw. */
const bodies: string[] = [];
const send = async (req: Req): Promise<Res> => {
  const res = await client.send(req);
  bodies.push(res.text);
  return res;
};
let bTeamId: string;
let tokens: Record<'aAdmin' | 'aOperator' | 'bOwner' | 'bAdmin', CreatedToken>;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
  await liveApp(client, api.store, 'vault', 2);
  const root = await sessionUser(client, { email: 'root@example.com', role: 'owner' });
  const team = await client.send({
    method: 'POST',
    url: `${API}/teams`,
    body: { name: 'bravo' },
    token: root.token,
  });
  assert.equal(team.status, 201, team.text);
  bTeamId = (team.json as { id: string }).id;
  const bOwner = await createTokenVia(client, { name: 'b-owner', role: 'owner', team: 'bravo' }, root.token);
  tokens = {
    aAdmin: await createTokenVia(client, { name: 'a-admin', role: 'admin' }),
    aOperator: await createTokenVia(client, { name: 'a-operator', role: 'operator' }),
    bOwner,
    bAdmin: await createTokenVia(client, { name: 'b-admin', role: 'admin', team: 'bravo' }, bOwner.token),
  };
  await createApp(client, 'alpha');
  await createApp(client, 'bravo-app', { team: 'bravo' }, bOwner.token);
  // A refused change in each team, and a failed login (no team).
  await client.send({ method: 'DELETE', url: `${API}/apps/alpha`, token: tokens.aOperator.token });
  await client.send({ method: 'DELETE', url: `${API}/apps/bravo-app`, token: tokens.aAdmin.token });
  await client.send({
    method: 'POST',
    url: `${API}/sessions`,
    body: { email: 'root@example.com', password: 'wrong password' },
    token: null,
  });
});
after(() => api.close());

const PLAIN = {
  DB_PASSWORD: `db-${randomBytes(12).toString('hex')}`,
  API_KEY: `key-${randomBytes(12).toString('hex')}`,
};
const patch = (app: string, body: unknown): Promise<Res> =>
  send({ method: 'PATCH', url: `${API}/apps/${app}/secrets`, body });
const rowsOf = (table: 'secrets' | 'release_secrets'): Record<string, unknown>[] => api.db.rowsOf(table);
const keyIdsOf = (table: 'secrets' | 'release_secrets'): string[] => {
  const rows = rowsOf(table);
  assert.ok(rows.length > 0, `${table} has rows`);
  return [...new Set(rows.map((r) => String(r.key_id)))];
};

test('setting secrets answers with their names only; listing them too; the app shows names only', async () => {
  const res = await patch('vault', { set: PLAIN });
  assert.equal(res.status, 200, res.text);
  const changed = res.json as { secrets: { key: string }[]; deployment: { kind: string } | null };
  assert.deepEqual(changed.secrets.map((s) => s.key).sort(), ['API_KEY', 'DB_PASSWORD']);
  assert.equal(changed.deployment?.kind, 'secrets', 'a live app gets a release with them');
  const list = await send({ method: 'GET', url: `${API}/apps/vault/secrets` });
  assert.deepEqual(
    (list.json as { secrets: Record<string, unknown>[] }).secrets.map((s) => Object.keys(s).sort()),
    [
      ['file', 'key', 'updatedAt'],
      ['file', 'key', 'updatedAt'],
    ],
  );
  const app = await send({ method: 'GET', url: `${API}/apps/vault` });
  assert.deepEqual((app.json as { secrets: string[] }).secrets.sort(), ['API_KEY', 'DB_PASSWORD']);
  await send({ method: 'GET', url: `${API}/apps/vault/releases` });
  await send({ method: 'GET', url: `${API}/apps/vault/env` });
  await send({ method: 'GET', url: `${API}/audit?limit=1000` });
});

test('rotating re-seals every secret and release secret under the new key, where each still opens', async () => {
  // The installation's wildcard certificate key is sealed with the master key too.
  const sealedWith = createSecretBox(await loadKeyring({ file: keyFile(api.dataDir) }));
  const baseKeyPem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(24).toString('base64')}\n-----END PRIVATE KEY-----\n`;
  await api.store.baseCertificates.setCertificate(
    'apps.example.com',
    {
      ...{ id: 'crt_base', issuer: 'Test CA', notBefore: 0, notAfter: Date.now() + 86_400_000 },
      chainPem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
      keySealed: sealedWith.seal('certificate-key', baseKeyPem, certificateKeyAad('crt_base')),
    },
    Date.now(),
  );
  const first = await send({ method: 'POST', url: `${API}/keys/rotate` });
  assert.equal(first.status, 200, first.text);
  const second = await send({ method: 'POST', url: `${API}/keys/rotate` });
  assert.equal(second.status, 200, second.text);
  const a = first.json as { current: string; previous: string; resealed: number };
  const b = second.json as { current: string; previous: string; resealed: number };
  assert.equal(b.previous, a.current, 'rotating twice chains');
  assert.equal(b.resealed, a.resealed, 'every value each time');
  assert.ok(a.resealed >= 4, `secrets and their release copies: ${a.resealed}`);
  assert.deepEqual(keyIdsOf('secrets'), [b.current]);
  assert.deepEqual(keyIdsOf('release_secrets'), [b.current]);

  const keyring = await loadKeyring({ file: keyFile(api.dataDir) });
  const box = createSecretBox(keyring);
  const appId = String(rowsOf('secrets')[0]?.app_id);
  for (const row of rowsOf('secrets')) {
    const key = String(row.key) as keyof typeof PLAIN;
    const plain = box.open(
      'app-secret',
      { keyId: String(row.key_id), value: String(row.value) },
      secretAad(appId, key),
    );
    assert.equal(plain, PLAIN[key]);
  }

  const base = (await api.store.baseCertificates.get('apps.example.com'))?.certificate;
  assert.equal(base?.keySealed.keyId, b.current);
  assert.equal(box.open('certificate-key', base.keySealed, certificateKeyAad('crt_base')), baseKeyPem);

  const keys = async () =>
    ((await send({ method: 'GET', url: `${API}/keys` })).json as { keys: { id: string; inUse: number }[] })
      .keys;
  assert.deepEqual((await keys()).find((k) => k.id === a.previous)?.inUse, 0);
  const retire = (id: string) => send({ method: 'DELETE', url: `${API}/keys/${id}` });
  assert.equal((await retire(a.previous)).status, 204);
  assert.equal((await retire(b.previous)).status, 204);
  const current = expectProblem(await retire(b.current), 409, 'KEY_IN_USE');
  assert.match(current.detail, new RegExp(`${b.current} still seals`));
  assert.match(current.hint ?? '', /rotate/i, 'says what to do instead');
  expectProblem(await retire(a.previous), 404, 'KEY_NOT_FOUND');
  assert.deepEqual(
    (await keys()).map((k) => k.id),
    [b.current],
  );
});

test('secrets still change after a rotation, sealed under the current key', async () => {
  const res = await patch('vault', { set: { LATE: PLAIN.API_KEY }, unset: ['DB_PASSWORD'] });
  assert.equal(res.status, 200, res.text);
  assert.equal(keyIdsOf('secrets').length, 1);
});

test('no plaintext value is in any answer, in the audit log, or anywhere in the database files', async () => {
  const exported = await send({ method: 'GET', url: `${API}/audit/export` });
  assert.equal(exported.status, 200);
  assert.ok(exported.text.includes('secret.change'), 'the changes are audited');
  const files = [join(api.dataDir, 'berth.db'), join(api.dataDir, 'berth.db-wal')];
  const bytes = await Promise.all(files.map((f) => readFile(f).catch(() => Buffer.alloc(0))));
  assert.ok((bytes[0]?.length ?? 0) > 0, 'read the database');
  for (const value of Object.values(PLAIN)) {
    bodies.forEach((body, i) => assert.ok(!body.includes(value), `response ${i} shows a secret value`));
    bytes.forEach((b, i) => assert.equal(b.indexOf(value), -1, `${files[i] ?? ''} holds a secret value`));
  }
});

const list = async (token: string | undefined, after = 0, limit = 1000): Promise<AuditRow[]> => {
  const res = await client.send({ method: 'GET', url: `${API}/audit?after=${after}&limit=${limit}`, token });
  assert.equal(res.status, 200, res.text);
  return (res.json as { rows: AuditRow[] }).rows;
};
/** The rows of the export (its first lines are the public keys and the signed anchors). */
const exported = async (): Promise<AuditRow[]> => {
  const res = await client.send({ method: 'GET', url: `${API}/audit/export` });
  assert.equal(res.status, 200, res.text);
  assert.match(String(res.headers['content-type']), /^application\/x-ndjson/);
  return res.text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditRow | { type: string })
    .filter((line): line is AuditRow => !('type' in line));
};
const verify = (rows: AuditRow[]) => verifyAuditChain(rows as ChainedAuditRecord[], sha3_256Hex);

test('the export chains from the first row to the recorded head, and an edit would show', async () => {
  const rows = await exported();
  const verdict = verify(rows);
  assert.ok(verdict.ok, JSON.stringify(verdict));
  assert.equal(verdict.checked, rows.length);
  assert.deepEqual(
    rows.map((r) => r.seq),
    rows.map((_r, i) => i + 1),
  );
  const head = api.db.rowsWhere('meta', 'key', 'audit_head')[0]?.value;
  assert.equal(verdict.head, head, 'the last row is the recorded head');
  const edited = rows.map((r) => (r.seq === 3 ? { ...r, target: 'app:other' } : r));
  assert.deepEqual(verify(edited).ok, false);
});

test('the pages of the list are the export, in order', async () => {
  const all = await exported();
  const pages: AuditRow[] = [];
  for (let after = 0; ;) {
    const page = await list(undefined, after, 7);
    if (page.length === 0) break;
    pages.push(...page);
    after = page[page.length - 1]?.seq ?? after;
  }
  assert.deepEqual(pages, all);
  assert.ok(verify(pages).ok);
});

test('what happened is there: actor, action, target and outcome of successes, refusals and failed logins', async () => {
  const rows = await exported();
  const find = (action: string, target: string) =>
    rows.find((r) => r.action === action && r.target === target);
  assert.deepEqual(
    [find('app.create', 'app:bravo-app')].map((r) => [r?.actorKind, r?.actorId, r?.teamId, r?.outcome]),
    [['token', tokens.bOwner.id, bTeamId, 'ok']],
  );
  assert.deepEqual(
    [find('app.delete', 'app:alpha')].map((r) => [r?.actorId, r?.teamId, r?.outcome]),
    [[tokens.aOperator.id, api.defaultTeamId, 'denied']],
  );
  const probe = find('app.delete', 'app:bravo-app');
  assert.deepEqual([probe?.actorId, probe?.teamId, probe?.outcome], [tokens.aAdmin.id, null, 'denied']);
  // The audit hook names a refused request's target from its body; a success names it as its route does.
  const login = rows.findLast((r) => r.action === 'login');
  assert.deepEqual(
    [login?.actorKind, login?.outcome, login?.target],
    ['anonymous', 'denied', 'user:root@example.com'],
  );
});

test('an admin who is not an installation owner reads only its own team’s rows; an operator none', async () => {
  const aRows = await list(tokens.aAdmin.token);
  const bRows = await list(tokens.bAdmin.token);
  assert.ok(aRows.length > 0 && bRows.length > 0);
  assert.deepEqual([...new Set(aRows.map((r) => r.teamId))], [api.defaultTeamId]);
  assert.deepEqual([...new Set(bRows.map((r) => r.teamId))], [bTeamId]);
  assert.ok(bRows.some((r) => r.action === 'app.create' && r.target === 'app:bravo-app'));
  assert.ok(
    !JSON.stringify(aRows).includes('bravo'),
    "nothing of team B, not even A's own refused probe of it",
  );
  assert.deepEqual(await list(tokens.aOperator.token), []);
  assert.ok(
    (await list(undefined)).some((r) => r.teamId === null),
    'rows of no team: the installation owner only',
  );
});

test('the export is the installation owners’ only: 403 for the admins of any team', async () => {
  for (const token of [tokens.aAdmin.token, tokens.bAdmin.token, tokens.bOwner.token]) {
    expectProblem(await client.send({ method: 'GET', url: `${API}/audit/export`, token }), 403, 'FORBIDDEN');
  }
});
