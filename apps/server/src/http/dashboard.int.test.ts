// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DASHBOARD_CSP } from './dashboard.js';
import { createTestClock, startTestApi, type TestApi } from './test-support/api.js';
import { API, createClient, type Client } from './test-support/http.js';
import { createUserVia } from './test-support/principals.js';

/**
 * The dashboard's files and the first-owner setup link, on a real berthd (SQLite, no listener):
 * a stand-in build in a temp dir (the real one is the browser tests'), the security headers on
 * every page, nothing outside the build reachable, and the setup link: once, for one owner.
 */

let webDir: string;
let api: TestApi;
let client: Client;
const clock = createTestClock();

before(async () => {
  webDir = await mkdtemp(join(tmpdir(), 'berth-web-'));
  await mkdir(join(webDir, 'assets'));
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>Berth</title>\n');
  await writeFile(join(webDir, 'assets', 'index-Ab12.js'), 'console.log(1)\n');
  await writeFile(join(webDir, 'secret.key'), 'not a served type\n');
  api = await startTestApi({ inMemory: true, clock: clock.now, env: { BERTHD_WEB_DIR: webDir } });
  client = createClient(api);
});
after(async () => {
  await api?.close();
  await rm(webDir, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) =>
  client.send({ method: 'GET', url, token: null, headers });

describe('the dashboard files', () => {
  test('pages answer with index.html, uncached, under a CSP that allows no inline code and no framing', async () => {
    for (const path of [
      '/',
      '/setup',
      '/invite',
      '/login',
      '/apps/web',
      '/apps/web/logs',
      '/team',
      '/audit',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.match(res.text, /<title>Berth<\/title>/);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['content-security-policy'], DASHBOARD_CSP);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
    }
    assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval/);
    assert.match(DASHBOARD_CSP, /frame-ancestors 'none'/);
  });

  test("a page's query is the page's own: any answers index.html; other files take none", async () => {
    for (const path of [
      '/team?team=shop',
      '/?team=shop',
      '/audit?action=user.create&target=user%3A%3Cscript%3E&since=2030-01-01T00%3A00%3A00.000Z',
      '/audit?x=1&x=2',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.match(res.text, /<title>Berth<\/title>/);
    }
    const asset = await get('/assets/index-Ab12.js?x=1');
    assert.equal(asset.status, 400, asset.text);
  });

  test('hashed assets are cached for a year and revalidate by ETag', async () => {
    const res = await get('/assets/index-Ab12.js');
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    const again = await get('/assets/index-Ab12.js', { 'if-none-match': String(res.headers.etag) });
    assert.equal(again.status, 304);
  });

  test('nothing outside the build, and no file of an unserved type, is reachable', async () => {
    for (const path of [
      '/assets/../../../etc/passwd',
      '/assets/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc/passwd',
      '/secret.key',
      '/assets/missing.js',
      '/apps/UPPER',
      '/apps/web/logs/more',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 404, `${path}: ${res.text}`);
      assert.doesNotMatch(res.text, /root:|not a served type/);
    }
  });

  test('an unknown API route is still a problem+json 404', async () => {
    const res = await get(`${API}/no-such-route`);
    assert.equal(res.status, 404);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  });
});

describe('the first-owner setup link', () => {
  const tokenFile = (): string => join(api.dataDir, 'setup.token');
  const setup = (body: unknown) => client.send({ method: 'POST', url: `${API}/setup`, token: null, body });
  const status = async (): Promise<boolean> =>
    ((await client.send({ method: 'GET', url: `${API}/setup`, token: null })).json as { open: boolean }).open;

  test('a fresh installation writes the link token (0600) and says setup is open', async () => {
    assert.equal(await status(), true);
    const { mode } = await import('node:fs').then((fs) => fs.statSync(tokenFile()));
    assert.equal(mode & 0o777, 0o600);
  });

  test('a wrong token, a weak password or a bad email is refused and creates no account', async () => {
    const token = (await readFile(tokenFile(), 'utf8')).trim();
    for (const [body, status, code] of [
      [
        { token: 'setup_wrong', email: 'a@example.com', password: 'a-long-password-1' },
        400,
        'SETUP_TOKEN_INVALID',
      ],
      [{ token, email: 'a@example.com', password: 'short' }, 400, 'VALIDATION_FAILED'],
      [{ token, email: 'not an email', password: 'a-long-password-1' }, 400, 'VALIDATION_FAILED'],
      [
        { token, email: 'a@example.com', password: 'a-long-password-1', role: 'owner' },
        400,
        'VALIDATION_FAILED',
      ],
    ] as const) {
      const res = await setup(body);
      assert.equal(res.status, status, res.text);
      assert.equal((res.json as { code: string }).code, code);
    }
    assert.deepEqual(await api.store.users.list(), []);
  });

  test('the link names the first owner once; it logs in as an installation owner', async () => {
    const token = (await readFile(tokenFile(), 'utf8')).trim();
    const done = await setup({ token, email: 'Owner@Example.com', password: 'a-long-password-1' });
    assert.equal(done.status, 204, done.text);
    assert.equal(existsSync(tokenFile()), false, 'the token file goes with its use');
    assert.equal(await status(), false);
    const again = await setup({ token, email: 'second@example.com', password: 'a-long-password-1' });
    assert.equal(again.status, 400, again.text);
    const login = await client.send({
      method: 'POST',
      url: `${API}/sessions`,
      token: null,
      body: { email: 'owner@example.com', password: 'a-long-password-1' },
    });
    assert.equal(login.status, 201, login.text);
    const me = await client.send({
      method: 'GET',
      url: `${API}/me`,
      token: (login.json as { token: string }).token,
    });
    assert.equal((me.json as { installationOwner: boolean }).installationOwner, true);
  });

  test('an owner named another way (an invitation) closes the link', async () => {
    const other = await startTestApi({ inMemory: true, env: { BERTHD_WEB_DIR: webDir } });
    try {
      const c = createClient(other);
      const token = (await readFile(join(other.dataDir, 'setup.token'), 'utf8')).trim();
      // Invited by the admin token as an owner of the default team, and accepted.
      await createUserVia(c, { email: 'invited@example.com', role: 'owner', password: 'a-long-password-1' });
      const res = await c.send({
        method: 'POST',
        url: `${API}/setup`,
        token: null,
        body: { token, email: 'late@example.com', password: 'a-long-password-1' },
      });
      assert.equal(res.status, 409, res.text);
      assert.equal((res.json as { code: string }).code, 'SETUP_DONE');
      assert.equal(existsSync(join(other.dataDir, 'setup.token')), false);
      assert.deepEqual(
        (await other.store.users.list()).map((u) => u.email),
        ['invited@example.com'],
      );
    } finally {
      await other.close();
    }
  });

  test('an hour later an unused link is worthless', async () => {
    const other = await startTestApi({ inMemory: true, clock: clock.now, env: { BERTHD_WEB_DIR: webDir } });
    try {
      const token = (await readFile(join(other.dataDir, 'setup.token'), 'utf8')).trim();
      clock.advance(3_600_000);
      const res = await createClient(other).send({
        method: 'POST',
        url: `${API}/setup`,
        token: null,
        body: { token, email: 'late@example.com', password: 'a-long-password-1' },
      });
      assert.equal(res.status, 400, res.text);
      assert.equal((res.json as { code: string }).code, 'SETUP_TOKEN_INVALID');
    } finally {
      await other.close();
    }
  });
});

test('without a build, a page says how to make one', async () => {
  const bare = await startTestApi({ inMemory: true, env: { BERTHD_WEB_DIR: join(webDir, 'missing') } });
  try {
    const res = await createClient(bare).send({ method: 'GET', url: '/', token: null });
    assert.equal(res.status, 503);
    assert.match(res.text, /npm run build/);
  } finally {
    await bare.close();
  }
});
