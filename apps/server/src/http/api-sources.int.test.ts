// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ErrorCode } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { API, createClient, expectProblem, type Client, type Res } from './test-support/http.js';
import { createTokenVia, sessionUser } from './test-support/principals.js';

/**
 * Git sources on this machine (access/sources.ts): outside the allowed directory they are the
 * installation owners' own, for apps of the default team; inside it any team may use them, by
 * their real path. A refusal says the same whether the path exists or not. Credentials are
 * never accepted for plain http to another machine.
 */

let api: TestApi;
let client: Client;
let dir: string;
let allowed: string;
let root: string;
let admin: string;
let bOwner: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-sources-'));
  allowed = join(dir, 'allowed');
  await mkdir(join(allowed, 'repo'), { recursive: true });
  await mkdir(join(dir, 'outside', 'secret'), { recursive: true });
  // Inside the allowed directory by name, outside it for real.
  await symlink(join(dir, 'outside'), join(allowed, 'link'));
  api = await startTestApi({ env: { BERTHD_ALLOW_LOCAL_SOURCES: allowed } });
  client = createClient(api);
  root = (await sessionUser(client, { email: 'root@a.example', role: 'owner' })).token;
  const team = await client.send({
    method: 'POST',
    url: `${API}/teams`,
    body: { name: 'bravo' },
    token: root,
  });
  assert.equal(team.status, 201, team.text);
  admin = (await createTokenVia(client, { name: 'a-admin', role: 'admin' })).token;
  bOwner = (await createTokenVia(client, { name: 'b-owner', role: 'owner', team: 'bravo' }, root)).token;
});
after(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const create = (git: Record<string, unknown>, token?: string, team?: string): Promise<Res> =>
  client.send({
    method: 'POST',
    url: `${API}/apps`,
    body: { name: `src-${(n += 1)}`, git, ...(team && { team }) },
    token,
  });

async function refused(res: () => Promise<Res>, status: number, code: ErrorCode, field?: string) {
  const before = api.db.take();
  const problem = expectProblem(await res(), status, code, field);
  assertSameDb(before, api.db.take(), `${code}: nothing written`);
  return problem;
}

describe('local git sources', () => {
  test('another team: refused outside the allowed directory, one answer whether the path exists or not', async () => {
    const outside = [
      '/etc',
      'file:///etc',
      '/no/such/dir',
      'file:///no/such/dir',
      join(dir, 'outside', 'secret'),
      join(allowed, 'link'),
      join(allowed, 'link', 'secret'),
      `file://${join(allowed, 'link', 'secret')}`,
      join(allowed, 'not-there'),
    ];
    const answers = [];
    for (const url of outside) {
      const problem = await refused(() => create({ url }, bOwner, 'bravo'), 403, 'SOURCE_NOT_ALLOWED');
      answers.push([problem.detail.replace(url, '∅'), problem.hint]);
    }
    assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1, JSON.stringify(answers));
    assert.match(String(answers[0]?.[1]), /--allow-local-sources/);
  });

  test('another team: a repository in the allowed directory, as a path or a file:// URL', async () => {
    for (const url of [
      join(allowed, 'repo'),
      `file://${join(allowed, 'repo')}`,
      `${join(allowed, 'repo')}/`,
    ]) {
      const res = await create({ url }, bOwner, 'bravo');
      assert.equal(res.status, 201, `${url}: ${res.text}`);
    }
  });

  test('escapes git would decode into .. are a 400, never a path', async () => {
    for (const url of [`file://${allowed}/%2e%2e/outside`, `file://${allowed}/%2E%2E`, 'file:///srv/%zz']) {
      await refused(() => create({ url }, bOwner, 'bravo'), 400, 'VALIDATION_FAILED', 'git.url');
      await refused(() => create({ url }), 400, 'VALIDATION_FAILED', 'git.url');
    }
  });

  test("installation owners may name any local path, for the default team's apps only", async () => {
    for (const url of ['/etc', 'file:///etc', '/no/such/dir']) {
      assert.equal((await create({ url })).status, 201, url);
      assert.equal((await create({ url }, root)).status, 201, url);
    }
    await refused(() => create({ url: '/etc' }, root, 'bravo'), 403, 'SOURCE_NOT_ALLOWED');
    assert.equal((await create({ url: join(allowed, 'repo') }, root, 'bravo')).status, 201);
  });

  test('a default-team admin is no installation owner: the allowed directory only', async () => {
    await refused(() => create({ url: '/etc' }, admin), 403, 'SOURCE_NOT_ALLOWED');
    assert.equal((await create({ url: join(allowed, 'repo') }, admin)).status, 201);
  });

  test('network sources are for everyone', async () => {
    for (const url of [
      'https://git.example.com/acme/a.git',
      'ssh://git@git.example.com/acme/a.git',
      'git@git.example.com:acme/a.git',
    ])
      assert.equal((await create({ url }, bOwner, 'bravo')).status, 201, url);
  });
});

describe('git credentials', () => {
  test('a token is refused for plain http to another machine, accepted over https or to this one', async () => {
    const token = 'ghp_not-a-real-token';
    for (const url of [
      'http://git.example.com/acme/a.git',
      'http://10.0.0.1:3000/acme/a.git',
      'http://[fe80::1]/a.git',
    ]) {
      const problem = await refused(
        () => create({ url, token }, bOwner, 'bravo'),
        400,
        'VALIDATION_FAILED',
        'git.token',
      );
      assert.match(problem.errors?.[0]?.message ?? '', /https/);
    }
    for (const url of [
      'https://git.example.com/acme/a.git',
      'http://127.0.0.1:3000/acme/a.git',
      'http://localhost/a.git',
      'http://git.example.com/acme/public.git',
    ]) {
      const res = await create({ url, ...(!url.includes('public') && { token }) }, bOwner, 'bravo');
      assert.equal(res.status, 201, `${url}: ${res.text}`);
    }
  });
});
