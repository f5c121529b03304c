/**
 * The dashboard in Debian's Chromium against a real `berth up` (berthd, the agent, Podman,
 * Caddy): the setup link `berth up` prints names the first owner; the overview and an app's page
 * show what the CLI did, and the page changes env, scale and the live release as the CLI would;
 * hostile values show as text; tokens are made and revoked; a viewer sees no change control and
 * a forced change is refused; the pages refuse to be framed, allow no inline code, and a change
 * without the CSRF token is refused; logout ends the session. Every page is checked with axe-core
 * and screenshotted into test-artifacts/dashboard/. No page may open a dialog, log an error
 * (a CSP violation is one) or request anything from another origin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { axeViolations, launchChromium, screenshot, watchedPage, type Watched } from '../support/chromium.js';
import { ensureExampleImages, HELLO_V1, HELLO_V2 } from '../support/images.js';
import { BerthUnderTest } from '../e2e/support/berth.js';
import { APP_PAGE_VIEWS, appPageCases } from './cases/app-page.js';
import { EMAIL, ok, PASSWORD, until, type Dashboard } from './cases/dashboard.js';
import { liveCases } from './cases/live.js';
import { newcomerCases } from './cases/newcomer.js';
import { teamAuditCases } from './cases/team-audit.js';

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

  // Each area's tests (./cases/*.ts) read the shared parts through this, once `before` ran.
  const dashboard = (): Dashboard => ({ berth, browser, context, w, origin });

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

  test('a deploy started in the page shows its steps live, as berthd writes them, until it succeeds', async () => {
    await w.page.getByLabel('Image').fill(HELLO_V2);
    await w.page.getByRole('button', { name: 'Deploy' }).click();
    // The newest running deployment opens by itself; its steps arrive from the follow stream.
    const steps = w.page.getByRole('list', { name: /^Steps of v2$/ });
    await steps.waitFor({ timeout: 20_000 });
    await steps.getByRole('listitem').first().waitFor();
    await w.page
      .getByRole('row', { name: /v2.*succeeded/ })
      .first()
      .waitFor({ timeout: 60_000 });
    const id = (await berth.json<{ id: string; releaseVersion: number }[]>(['deployments', 'list', 'web']))[0]
      ?.id;
    const written = async (): Promise<string[]> =>
      (await berth.json<{ events: { message: string }[] }>(['deployments', 'show', id ?? ''])).events.map(
        (e) => e.message,
      );
    // Every step, the end line's included, and those berthd writes after it (the old replicas
    // removed once drained), which come with the team's notices once the stream has ended.
    let messages = await written();
    const live = messages.findIndex((m) => / is live at /.test(m));
    assert.ok(live >= 0, messages.join('\n'));
    await until(w.page, 'berthd writes a step after the end line', async () => {
      messages = await written();
      return messages.length > live + 1;
    });
    await until(w.page, 'the page shows every step berthd wrote', async () => {
      const shown = (await steps.getByRole('listitem').allTextContents()).join('\n');
      return (await written()).every((m) => shown.includes(m));
    });
    await screenshot(w.page, 'app-deploy-steps');
  });

  test('hostile values set in the page show as text and run nothing', async () => {
    const hostile = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', 'javascript:alert(3)'];
    // Typed one after the other, each while the one before is still saving (the button waits):
    // what is typed meanwhile must not be wiped when the earlier save ends.
    for (const [i, value] of hostile.entries()) {
      await w.page.getByLabel('Variable (NAME=value)').fill(`HOSTILE_${i}=${value}`);
      await w.page.getByRole('button', { name: 'Set variable' }).click();
    }
    for (const value of hostile)
      await w.page.getByRole('cell', { name: value, exact: true }).waitFor({ timeout: 20_000 });
    // Set with the CLI too: what the API stores is what the page shows, character for character.
    ok(await berth.cli(['env', 'set', 'web', `FROM_CLI=<b>bold</b><svg onload=alert(4)>`]));
    await w.page.getByRole('cell', { name: '<b>bold</b><svg onload=alert(4)>', exact: true }).waitFor({
      timeout: 20_000,
    });
    assert.equal(
      await w.page.locator('img[src="x"], svg[onload], b').count(),
      0,
      'no element made from data',
    );
    await screenshot(w.page, 'app-env');
  });

  test('scale and roll back from the page; the CLI sees what the page did', async () => {
    await w.page.getByLabel('Replica count').fill('1');
    await w.page.getByRole('button', { name: 'Scale' }).click();
    for (let i = 0; ; i++) {
      const shown = await berth.json<{ replicas: number }>(['apps', 'show', 'web']);
      if (shown.replicas === 1) break;
      assert.ok(i < 100, `replicas still ${shown.replicas}`);
      await w.page.waitForTimeout(200);
    }
    await w.page.getByRole('button', { name: 'Roll back to v1' }).click();
    await w.page.getByRole('button', { name: 'Confirm roll back to v1' }).click();
    await w.page.getByText(/Roll back to v1 started/).waitFor({ timeout: 20_000 });
    for (let i = 0; ; i++) {
      const d = await berth.json<{ kind: string; status: string }[]>(['deployments', 'list', 'web']);
      const rollback = d.find((x) => x.kind === 'rollback');
      if (rollback?.status === 'succeeded') break;
      assert.ok(i < 300, JSON.stringify(d.slice(0, 3)));
      await w.page.waitForTimeout(200);
    }
    await w.page
      .getByRole('cell', { name: /rollback/ })
      .first()
      .waitFor({ timeout: 20_000 });
    await screenshot(w.page, 'app-rolled-back');
  });

  test('tokens: created in the page (shown once), then revoked; the revoked one opens nothing', async () => {
    await w.page.getByRole('link', { name: 'Team', exact: true }).click();
    await w.page.getByRole('heading', { name: 'Team', level: 1 }).waitFor();
    await w.page.getByLabel('Token name').fill('ci');
    await w.page.getByLabel('Role', { exact: true }).selectOption('operator');
    await w.page.getByRole('button', { name: 'Create token' }).click();
    const shown = w.page.getByLabel('New token');
    await shown.waitFor();
    const token = await shown.inputValue();
    assert.match(token, /^berth_/);
    await screenshot(w.page, 'team-token-created');
    const asCi = await fetch(`${origin}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(asCi.status, 200);
    await w.page.getByRole('button', { name: 'Done' }).click();
    await w.page.getByRole('button', { name: 'Revoke ci' }).click();
    await w.page.getByRole('button', { name: 'Confirm revoke ci' }).click();
    await w.page.getByText(/Revoked ci/).waitFor();
    const after = await fetch(`${origin}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401);
    await screenshot(w.page, 'team');
  });

  test('a viewer sees no change controls, and a forced change is refused', async () => {
    const created = await berth.json<{ setup: { token: string } }>([
      ...['users', 'create', 'vic@example.com', '--role', 'viewer'],
    ]);
    const set = await fetch(`${origin}/api/v1/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: created.setup.token, password: PASSWORD }),
    });
    assert.equal(set.status, 204, await set.text());
    const viewerContext = await browser.newContext();
    try {
      const v = await watchedPage(viewerContext, origin);
      await v.page.goto(`${origin}/apps/web`);
      await v.page.getByLabel('Email').fill('vic@example.com');
      await v.page.getByLabel('Password').fill(PASSWORD);
      await v.page.getByRole('button', { name: /log in/i }).click();
      await v.page.getByRole('heading', { name: 'Deployments' }).waitFor();
      await v.page.getByRole('heading', { name: 'Releases' }).waitFor();
      for (const name of ['Deploy', 'Scale', 'Set variable', 'Set secret', 'Roll back to v1'])
        assert.equal(await v.page.getByRole('button', { name }).count(), 0, `${name} is hidden`);
      await screenshot(v.page, 'app-viewer');
      const forced = await v.page.evaluate(async () => {
        const me = (await (await fetch('/api/v1/me')).json()) as { csrfToken: string };
        const res = await fetch('/api/v1/apps/web/scale', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify({ replicas: 3 }),
        });
        return { status: res.status, body: await res.text() };
      });
      assert.equal(forced.status, 403, forced.body);
      assert.match(forced.body, /FORBIDDEN/);
      assert.deepEqual([v.dialogs, v.foreign], [[], []]);
    } finally {
      await viewerContext.close();
    }
  });

  test('every page: no inline code allowed, no framing, nothing sniffed or referred', async () => {
    for (const path of ['/', '/apps/web', '/team', '/audit', '/invite', '/login', '/setup']) {
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

  // The areas' tests: each module of ./cases registers its own.
  liveCases(dashboard);
  appPageCases(dashboard);
  teamAuditCases(dashboard);
  newcomerCases(dashboard);

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
      await page.goto(`${origin}/team`);
      await page.getByRole('heading', { name: 'API tokens' }).waitFor();
      await check('team');
      for (const view of APP_PAGE_VIEWS) {
        await page.goto(`${origin}${view.path}`);
        await page.getByRole('heading', { name: view.heading, level: 2 }).waitFor();
        await check(view.path);
      }
      await page.goto(`${origin}/audit`);
      await page.getByRole('region', { name: 'Audit rows' }).waitFor();
      await page.getByText(/^Chain verified/).waitFor();
      await check('audit');
      await page.goto(`${origin}/invite`);
      await page.getByRole('heading', { name: 'Join a team', level: 1 }).waitFor();
      await check('invite');
      await page.goto(`${origin}/apps/web`);
      await page.getByRole('heading', { name: 'Deployments' }).waitFor();
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
    // Chromium logs every 4xx answer as an error: the refused forgeries and /me after the logout.
    const refusals = /^console: Failed to load resource: the server responded with a status of 40[13] /;
    assert.deepEqual(
      w.errors.filter((e) => !refusals.test(e)),
      [],
    );
    assert.deepEqual(w.foreign, []);
  });
});
