/**
 * The app page's tabs (apps/web/src/apps/AppTabs.tsx), in the shared browser test: the live log
 * tail of every replica (filter by text and by replica, pause, download, timestamps), a build
 * from source with its live log and its cancel, the push webhook's URL copied, and a domain
 * added with the CLI with its certificate's state. Log lines and a commit message an attacker
 * wrote show as text. Two apps of its own: `logs-demo` (2 replicas of the hello image, whose
 * access lines are the live lines) and `site`, built from a local git repository whose first
 * build is cancelled and whose second one runs a command that prints hostile lines.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { screenshot } from '../../support/chromium.js';
import { createTestRepo } from '../../support/git-repos.js';
import { HELLO_V1 } from '../../support/images.js';
import { ok, until, type DashboardRef } from './dashboard.js';

const HOSTILE_LINES = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', 'javascript:alert(3)'];
const HOSTILE_SUBJECT = '<img src=x onerror=alert(5)> "><svg onload=alert(6)> javascript:alert(7)';
const BUILD_LINE = '<script>alert(4)</script> building';

/** The app page's views for the accessibility test: path, and a heading that says it is ready. */
export const APP_PAGE_VIEWS: readonly { path: string; heading: string }[] = [
  { path: '/apps/logs-demo/logs', heading: 'Logs' },
  { path: '/apps/site/builds', heading: 'Builds' },
  { path: '/apps/logs-demo/domains', heading: 'Domains' },
];

/** What the page made of data: no element an injected line or commit could have made. */
async function noElementFromData(page: Page): Promise<void> {
  assert.equal(await page.locator('main script, main img, main svg, main a[href^="javascript"]').count(), 0);
}

export function appPageCases(d: DashboardRef): void {
  test("app page, logs: every replica's lines live; filtered by text and replica, paused, downloaded", async () => {
    const { berth, w, origin } = d();
    const page = w.page;
    ok(
      await berth.cli([
        ...['apps', 'create', 'logs-demo', '--image', HELLO_V1, '--port', '8080', '--health-path', '/'],
        ...['--replicas', '2'],
      ]),
    );
    ok(await berth.cli(['deploy', 'logs-demo']));

    // The tabs: one tab stop; the arrow keys move between them and show each.
    await page.goto(`${origin}/apps/logs-demo`);
    const overview = page.getByRole('tab', { name: 'Overview' });
    await overview.waitFor();
    assert.equal(await overview.getAttribute('aria-selected'), 'true');
    await overview.focus();
    await page.keyboard.press('ArrowRight');
    const logsTab = page.getByRole('tab', { name: 'Logs' });
    assert.equal(await logsTab.getAttribute('aria-selected'), 'true');
    // (Expressions as text: this file is typed for Node, without the DOM's types.)
    const focused = await page.evaluate<string | null>('document.activeElement?.id ?? null');
    assert.equal(focused, await logsTab.getAttribute('id'), 'focus stays on the tabs');
    assert.equal(new URL(page.url()).pathname, '/apps/logs-demo/logs');

    // Live: a request the app answers 404 (its health checks get 200s) shows as it is logged.
    const view = page.getByRole('region', { name: 'Log lines of logs-demo' });
    const lines = view.getByRole('listitem');
    await lines.first().waitFor();
    const notFound = view.getByText(/response:404$/);
    assert.equal(await notFound.count(), 0);
    assert.equal((await berth.get('logs-demo', '/missing-1')).status, 404);
    await notFound.first().waitFor();

    // By replica (both write a line per health check), then by text.
    const replicas = await page.getByLabel('Replica').locator('option').allTextContents();
    assert.equal(replicas.length, 3, replicas.join(', '));
    const one = replicas[1] ?? '';
    await page.getByLabel('Replica').selectOption({ label: one });
    const shownReplicas = view.locator('.log-replica');
    await until(page, 'only one replica’s lines show', async () => {
      const names = await shownReplicas.allTextContents();
      return names.length > 0 && names.every((n) => n === one);
    });
    await page.getByLabel('Replica').selectOption({ label: 'All replicas' });
    await until(
      page,
      'both replicas’ lines show',
      async () => new Set(await shownReplicas.allTextContents()).size === 2,
    );
    await page.getByLabel('Filter lines').fill('RESPONSE:404');
    await until(page, 'the filter leaves the 404 only', async () => (await lines.count()) === 1);
    await screenshot(page, 'app-logs');

    // Paused, the view holds still while lines (three more 404s) come and are held.
    await page.getByRole('button', { name: 'Pause' }).click();
    const before = await view.textContent();
    for (const path of ['/missing-2', '/missing-3', '/missing-4'])
      assert.equal((await berth.get('logs-demo', path)).status, 404);
    const held = page.getByText(/; \d+ lines? held until resumed/);
    await until(page, 'lines are held', async () => {
      const text = (await held.count()) > 0 ? await held.textContent() : '';
      return Number(/(\d+) lines? held/.exec(text ?? '')?.[1] ?? 0) >= 3;
    });
    assert.equal(await view.textContent(), before, 'nothing new shows while paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await until(page, 'the held 404s show', async () => (await lines.count()) === 4);

    // Download what is shown: the four 404 lines, with their times, as `berth logs` prints them.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^logs-demo-logs-\d{8}-\d{6}\.txt$/);
    const text = await readFile(await download.path(), 'utf8');
    const downloaded = text.split('\n').filter(Boolean);
    assert.equal(downloaded.length, 4, text);
    for (const l of downloaded)
      assert.match(l, /^berth-logs-demo-\S+ \| \d{4}-\d\d-\d\dT\S+ ! .*response:404$/);

    // Times off; every line again, at a phone's width.
    const times = view.locator('time');
    assert.ok((await times.count()) > 0);
    await page.getByLabel('Timestamps').uncheck();
    assert.equal(await times.count(), 0);
    await page.getByLabel('Filter lines').fill('');
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
      await screenshot(page, 'app-logs-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  test('app page, builds: a build from source logs live, its commit message is text, it is cancelled from the page; hostile log lines are text; the webhook URL copies', async () => {
    const { berth, w, origin, context } = d();
    const page = w.page;
    const root = await mkdtemp(join(tmpdir(), 'berth-browser-src-'));
    try {
      const repo = await createTestRepo(join(root, 'site'));
      const from = 'FROM localhost/berth/base-static:bookworm\n';
      const sha = await repo.commit(
        { Dockerfile: `${from}RUN echo "${BUILD_LINE}" && sleep 300\n` },
        HOSTILE_SUBJECT,
      );
      // The base image is made once per machine (test/support/builder.ts's shared builder dir).
      ok(await berth.cli(['images', 'bootstrap', '--only', 'static']));
      ok(await berth.cli(['apps', 'create', 'site', '--git', repo.path, '--branch', 'main']));

      // Deployed from the page: an empty image field deploys the app from its source.
      await page.goto(`${origin}/apps/site`);
      await page.getByRole('button', { name: 'Deploy' }).click();
      await page.getByText(/Deployment of v\d+ started/).waitFor({ timeout: 20_000 });
      await page.getByRole('tab', { name: 'Builds' }).click();
      assert.equal(new URL(page.url()).pathname, '/apps/site/builds');

      // The running build shows its log unasked, line by line as the build writes it.
      const log = page.getByRole('region', { name: 'Log of build #1' });
      await log.getByText(BUILD_LINE, { exact: true }).waitFor({ timeout: 60_000 });
      const row = page.getByRole('row', { name: /^#1 / });
      assert.match((await row.textContent()) ?? '', /running/);
      // The commit and its subject, as the build log names them (the row has them once built).
      await log.getByText(`==> Commit ${sha.slice(0, 12)}: ${HOSTILE_SUBJECT}`, { exact: true }).waitFor();
      await noElementFromData(page);
      await screenshot(page, 'app-build-running');

      await page.getByRole('button', { name: 'Cancel build #1' }).click();
      await page.getByText(/Cancelling build #1/).waitFor();
      await row.getByText('cancelled', { exact: true }).waitFor({ timeout: 30_000 });
      const builds = await berth.json<{ number: number; status: string }[]>(['builds', 'site']);
      assert.equal(builds[0]?.status, 'cancelled');
      assert.equal(await page.getByRole('button', { name: 'Cancel build #1' }).count(), 0);

      // Push to deploy: the GitHub webhook's URL, copied with its button.
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
      const url = page.getByLabel('GitHub webhook URL', { exact: true });
      assert.match(await url.inputValue(), /\/api\/v1\/webhooks\/github\/site$/);
      await page.getByRole('button', { name: 'Copy GitHub webhook URL' }).click();
      await page.getByText('Copied to the clipboard.').waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), await url.inputValue());
      assert.equal(
        await page.getByLabel('Webhook secret').count(),
        0,
        'the secret shows only when asked for',
      );
      await screenshot(page, 'app-builds');

      // A second commit (the same subject) runs a command that prints hostile lines, then serves.
      const script = [
        ...HOSTILE_LINES.map((l) => `echo '${l}'`),
        'mkdir -p /www && echo site > /www/index.html && exec httpd -f -v -p "$PORT" -h /www',
      ].join('; ');
      const second = await repo.commit(
        { Dockerfile: `${from}ENTRYPOINT ${JSON.stringify(['/bin/sh', '-c', script])}\n` },
        HOSTILE_SUBJECT,
      );
      ok(await berth.cli(['deploy', 'site']));
      const built = page.getByRole('row', { name: /^#2 / });
      await built.getByText(HOSTILE_SUBJECT, { exact: true }).waitFor({ timeout: 20_000 });
      await built.getByText(second.slice(0, 12), { exact: true }).waitFor();
      await built.getByText('succeeded', { exact: true }).waitFor();
      await noElementFromData(page);
      await page.getByRole('tab', { name: 'Logs' }).click();
      const view = page.getByRole('region', { name: 'Log lines of site' });
      for (const hostile of HOSTILE_LINES) await view.getByText(hostile, { exact: true }).waitFor();
      await noElementFromData(page);
      await screenshot(page, 'app-logs-hostile');
      assert.deepEqual(w.dialogs, []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('app page, domains: a domain added with the CLI shows with its certificate state', async () => {
    const { berth, w, origin } = d();
    const page = w.page;
    ok(await berth.cli(['domains', 'add', 'logs-demo', 'shop.example.test']));
    await page.goto(`${origin}/apps/logs-demo/domains`);
    const row = page.getByRole('row', { name: /shop\.example\.test/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /primary.*(pending|issued|failed)/);
    await screenshot(page, 'app-domains');
  });
}
