/**
 * The dashboard live, in the shared browser test: the overview shows a change made with the CLI
 * without a reload, told by the team's event stream (`GET /api/v1/events`), and reads the apps
 * list only when told: while nothing changes it makes no request for it (it read it every 5 s
 * before the stream).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page, Request } from 'playwright-core';
import { screenshot } from '../../support/chromium.js';
import type { BerthUnderTest } from '../../e2e/support/berth.js';
import { HELLO_V1 } from '../../support/images.js';
import { EMAIL, ok, PASSWORD, type DashboardRef } from './dashboard.js';

/** Longer than the old poll (5 s), and than a notice's way to the page (well under 1 s). */
const QUIET_MS = 8_000;

interface Shown {
  replicas: number;
  currentRelease: { id: string } | null;
  replicaStatus: { state: string; releaseId: string }[];
}

/** Polls `condition` (a CLI read) until it holds; fails with `what` after ~60 s. */
async function until(page: Page, what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; !(await condition()); i++) {
    assert.ok(i < 300, `timed out waiting until ${what}`);
    await page.waitForTimeout(200);
  }
}

/**
 * Whether the app runs what it should and nothing else (as the overview counts, app-status.ts):
 * no rollout or drain left whose end would be a notice while the page is meant to be quiet.
 */
async function settled(berth: BerthUnderTest, app: string): Promise<boolean> {
  const shown = await berth.json<Shown>(['apps', 'show', app]);
  return (
    shown.replicaStatus.length === shown.replicas &&
    shown.replicaStatus.every(
      (r) => (r.state === 'healthy' || r.state === 'serving') && r.releaseId === shown.currentRelease?.id,
    )
  );
}

export function liveCases(d: DashboardRef): void {
  test('live: a change made with the CLI shows on the overview from the event stream; no polling meanwhile', async () => {
    const { berth, w, origin } = d();
    const page = w.page;
    await until(page, 'web runs only its current release', () => settled(berth, 'web'));
    const before = await berth.json<Shown>(['apps', 'show', 'web']);
    const listReads: number[] = [];
    const count = (request: Request): void => {
      if (request.method() === 'GET' && new URL(request.url()).pathname === '/api/v1/apps')
        listReads.push(Date.now());
    };
    page.on('request', count);
    try {
      const stream = page.waitForResponse(
        (r) => new URL(r.url()).pathname === '/api/v1/events' && r.status() === 200,
      );
      await page.goto(`${origin}/`);
      await stream;
      const replicas = before.replicas;
      await page
        .getByRole('row', { name: new RegExp(`web.*${replicas}/${replicas}`) })
        .waitFor({ timeout: 20_000 });

      // Nothing changes: the page keeps the stream open and reads nothing on a timer.
      const quietFrom = listReads.length;
      await page.waitForTimeout(QUIET_MS);
      assert.deepEqual(listReads.slice(quietFrom), [], `the apps list was read while nothing changed`);

      // A change from elsewhere (the CLI): told, read again, shown, without a reload.
      const navigations: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations.push(frame.url());
      });
      const changedFrom = listReads.length;
      const more = replicas + 1;
      // Without waiting for the rollout: the page shows each step of it as it is told.
      ok(await berth.cli(['scale', 'web', '--replicas', String(more), '--no-wait']));
      await page.getByRole('row', { name: new RegExp(`web.*/${more}`) }).waitFor({ timeout: 10_000 });
      // Each replica's start is a notice too (its server's report), until all are healthy.
      await page.getByRole('row', { name: new RegExp(`web.*${more}/${more}`) }).waitFor({ timeout: 60_000 });
      assert.ok(listReads.length > changedFrom, 'the notices had the page read the list again');
      assert.deepEqual(navigations, [], 'no reload');
      await screenshot(page, 'overview-live');
    } finally {
      page.off('request', count);
    }
  });

  test('live: the overview says who deployed each app last, when, and how long it took', async () => {
    const { berth, w, origin } = d();
    const page = w.page;
    // The CLI logged in as the owner (its own config dir: the other cases' CLI keeps the admin
    // token), so the deployment names the person, as the audit log would.
    const home = await mkdtemp(join(tmpdir(), 'berth-browser-cli-'));
    const asOwner = { XDG_CONFIG_HOME: home };
    try {
      ok(await berth.cli(['login', '--email', EMAIL, '--password-stdin'], asOwner, `${PASSWORD}\n`));
      const hello = ['--image', HELLO_V1, '--port', '8080', '--health-path', '/'];
      ok(await berth.cli(['apps', 'create', 'shipped', ...hello]));
      await page.goto(`${origin}/`);
      ok(await berth.cli(['deploy', 'shipped'], asOwner));
      const by = EMAIL.replace(/[.]/g, '\\.');
      const row = page.getByRole('row', {
        name: new RegExp(`shipped.*v1 by ${by}, (just now|.* ago), took \\d+ s`),
      });
      await row.waitFor({ timeout: 30_000 });
      // One server (berth up's own): no fleet table.
      assert.equal(await page.getByRole('region', { name: 'Servers' }).count(), 0);
      await screenshot(page, 'overview-last-deploy');
      ok(await berth.cli(['apps', 'delete', 'shipped', '--yes']));
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
}
