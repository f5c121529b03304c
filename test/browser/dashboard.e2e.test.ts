/**
 * The dashboard in Debian's Chromium against a real `berth up` (berthd, the agent, Podman,
 * Caddy): the setup link `berth up` prints names the first owner; the overview and an app's page
 * show what the CLI did; the pages refuse to be framed, allow no inline code, and a change
 * without the CSRF token is refused; logout ends the session. Every page is checked with axe-core
 * and screenshotted into test-artifacts/dashboard/. No page may open a dialog, log an error
 * (a CSP violation is one) or request anything from another origin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { axeViolations, launchChromium, screenshot, watchedPage, type Watched } from '../support/chromium.js';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { BerthUnderTest } from '../e2e/support/berth.js';

const EMAIL = 'owner@example.com';
const PASSWORD = 'correct horse battery';

describe('the dashboard in a browser', () => {
  let berth: BerthUnderTest;
  let browser: Browser;
  let context: BrowserContext;
  let w: Watched;
  let origin = '';

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    await berth.start();
    origin = `http://127.0.0.1:${berth.apiPort}`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    w = await watchedPage(context, origin);
  });
  after(async () => {
    await browser?.close();
    await berth?.destroy();
  });

  const ok = (r: { code: number; stdout: string; stderr: string }): void =>
    assert.equal(r.code, 0, r.stdout + r.stderr);

  test('berth up prints a one-time setup link; it names the first owner, who lands on the overview', async () => {
    const link = /http:\/\/localhost:(\d+)\/setup#(setup_[A-Za-z0-9_-]+)/.exec(berth.output);
    assert.ok(link, `no setup link in:\n${berth.output}`);
    assert.equal(link[1], String(berth.apiPort));
    // 127.0.0.1 rather than localhost: the test's origin is one address, whatever localhost resolves to.
    const res = await w.page.goto(`${origin}/setup#${link[2]}`);
    assert.equal(res?.status(), 200);
    assert.equal(new URL(w.page.url()).hash, '', 'the token leaves the address bar');
    await w.page.getByLabel('Email').fill(EMAIL);
    await w.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await w.page.getByLabel('Password again').fill(PASSWORD);
    await screenshot(w.page, 'setup');
    await w.page.getByRole('button', { name: 'Create owner and log in' }).click();
    await w.page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    assert.match((await w.page.textContent('header')) ?? '', new RegExp(EMAIL));
    await screenshot(w.page, 'overview-empty');
  });

  test('an app deployed with the CLI appears on the overview, running, without a reload', async () => {
    ok(
      await berth.cli([
        ...['apps', 'create', 'web', '--image', HELLO_V1, '--port', '8080', '--health-path', '/'],
        ...['--replicas', '2'],
      ]),
    );
    ok(await berth.cli(['deploy', 'web']));
    const row = w.page.getByRole('row', { name: /web/ });
    await row.waitFor({ timeout: 20_000 });
    await w.page.getByRole('row', { name: /web.*running.*2\/2/i }).waitFor({ timeout: 20_000 });
    await screenshot(w.page, 'overview');
  });

  test("the app's page shows its deployments", async () => {
    await w.page.getByRole('link', { name: 'web', exact: true }).click();
    await w.page.getByRole('heading', { name: 'web', level: 1 }).waitFor();
    assert.equal(new URL(w.page.url()).pathname, '/apps/web');
    await w.page.getByRole('heading', { name: 'Deployments' }).waitFor();
    await w.page
      .getByRole('cell', { name: /succeeded/i })
      .first()
      .waitFor({ timeout: 10_000 });
    await screenshot(w.page, 'app');
  });

  test('every page: no inline code allowed, no framing, nothing sniffed or referred', async () => {
    for (const path of ['/', '/apps/web', '/login', '/setup']) {
      const res = await context.request.get(`${origin}${path}`);
      const headers = res.headers();
      assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/, path);
      assert.doesNotMatch(headers['content-security-policy'] ?? '', /unsafe-inline|unsafe-eval/, path);
      assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, path);
      assert.equal(headers['x-frame-options'], 'DENY', path);
      assert.equal(headers['x-content-type-options'], 'nosniff', path);
      assert.equal(headers['referrer-policy'], 'no-referrer', path);
    }
  });

  test('a page of another origin cannot frame the dashboard', async () => {
    const framer = await browser.newPage();
    try {
      // about:blank is another origin than the dashboard's.
      await framer.setContent(`<iframe id="f" src="${origin}/" width="800" height="600"></iframe>`);
      await framer.waitForTimeout(2000);
      const frame = framer.frames().find((f) => f !== framer.mainFrame());
      assert.ok(frame, 'the iframe exists');
      const rendered = await frame
        .locator('#root > *')
        .count()
        .catch(() => 0);
      assert.equal(rendered, 0, 'the dashboard did not render inside the frame');
    } finally {
      await framer.close();
    }
  });

  test('a change from the logged-in browser without its CSRF token is refused', async () => {
    const answer = await w.page.evaluate(async () => {
      const res = await fetch('/api/v1/projects', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'forged' }),
      });
      return { status: res.status, body: await res.text() };
    });
    assert.equal(answer.status, 403, answer.body);
    assert.match(answer.body, /CSRF_FAILED/);
    const projects = JSON.stringify(await berth.json(['projects', 'list']));
    assert.ok(!projects.includes('forged'), projects);
    // The same change with the token the page holds goes through: the session is the owner's.
    const made = await w.page.evaluate(async () => {
      const me = (await (await fetch('/api/v1/me')).json()) as { csrfToken: string };
      const res = await fetch('/api/v1/projects', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ name: 'with-token' }),
      });
      return res.status;
    });
    assert.equal(made, 201);
  });

  test('log out ends the session; logging in again works', async () => {
    await w.page.goto(`${origin}/`);
    await w.page.getByRole('button', { name: 'Log out' }).click();
    await w.page.getByRole('button', { name: /log in/i }).waitFor();
    await screenshot(w.page, 'login');
    const me = await w.page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(me, 401);
    await w.page.getByLabel('Email').fill(EMAIL);
    await w.page.getByLabel('Password').fill(PASSWORD);
    await w.page.getByRole('button', { name: /log in/i }).click();
    await w.page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
  });

  test('accessibility: no serious or critical axe violation on any page', async () => {
    // axe is a script of its own: only a context that ignores the CSP may run it.
    const axeContext = await browser.newContext({ bypassCSP: true });
    try {
      const page = await axeContext.newPage();
      const found: string[] = [];
      const check = async (name: string): Promise<void> => {
        for (const v of await axeViolations(page))
          found.push(
            `${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          );
      };
      await page.goto(`${origin}/setup`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await check('setup');
      await page.goto(`${origin}/`);
      await page.getByRole('button', { name: /log in/i }).waitFor();
      await check('login');
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: /log in/i }).click();
      await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
      await page.getByRole('row', { name: /web/ }).waitFor();
      await check('overview');
      await page.goto(`${origin}/apps/web`);
      await page.getByRole('heading', { name: 'Deployments' }).waitFor();
      await check('app');
      // A phone-sized screen: the same pages, still without a violation.
      await page.setViewportSize({ width: 375, height: 740 });
      await check('app (phone)');
      await screenshot(page, 'app-phone');
      assert.deepEqual(found, []);
    } finally {
      await axeContext.close();
    }
  });

  test('no page opened a dialog, logged an error or reached another origin', () => {
    assert.deepEqual(w.dialogs, []);
    // Chromium logs every 4xx answer as an error: the refused forgery and /me after the logout.
    const refusals = /^console: Failed to load resource: the server responded with a status of 40[13] /;
    assert.deepEqual(
      w.errors.filter((e) => !refusals.test(e)),
      [],
    );
    assert.deepEqual(w.foreign, []);
  });
});
