/**
 * A newcomer's first app, in the shared browser test: from the overview, the New app form
 * (apps/web/src/apps/CreateAppForm.tsx) creates `first` (the hello image) and deploys it, the
 * page moves to the app's, whose deployment shows its steps live until it succeeds, and the app
 * answers through Berth's edge; all of it in under two minutes, measured from opening the
 * overview. A name berthd would refuse is named at its field, and nothing is sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request } from 'playwright-core';
import { screenshot } from '../../support/chromium.js';
import { HELLO_PORT, HELLO_V1 } from '../../support/images.js';
import { until, type DashboardRef } from './dashboard.js';

/** The promise: from `berth up` to a first app deployed from the dashboard. */
const NEWCOMER_BUDGET_MS = 120_000;

const appNames = async (d: DashboardRef): Promise<string[]> =>
  (await d().berth.json<{ name: string }[]>(['apps', 'list'])).map((a) => a.name);

export function newcomerCases(d: DashboardRef): void {
  test('newcomer: the overview’s New app form creates and deploys an app, served within two minutes', async (t) => {
    const { berth, w, origin } = d();
    const page = w.page;
    const started = Date.now();
    await page.goto(`${origin}/`);
    const form = page.getByRole('form', { name: 'New app' });
    await form.waitFor();
    await form.getByLabel('App name').fill('first');
    await form.getByLabel('Image').fill(HELLO_V1);
    await form.getByLabel('Port').fill(String(HELLO_PORT));
    await form.getByLabel('Health check path').fill('/');
    assert.equal(await form.getByLabel('Deploy it now').isChecked(), true, 'deploying is the default');
    await screenshot(page, 'overview-new-app');
    await form.getByRole('button', { name: 'Create and deploy' }).click();

    await page.getByRole('heading', { name: 'first', level: 1 }).waitFor({ timeout: 20_000 });
    assert.equal(new URL(page.url()).pathname, '/apps/first');
    // The first deployment is running when the page opens: its steps show unasked, as they come.
    const steps = page.getByRole('list', { name: /^Steps of v1$/ });
    await steps.getByRole('listitem').first().waitFor({ timeout: 20_000 });
    await page
      .getByRole('row', { name: /v1.*succeeded/ })
      .first()
      .waitFor({ timeout: 90_000 });
    await until(
      page,
      'first answers through the edge',
      async () => (await berth.get('first', '/')).status === 200,
    );
    const took = Date.now() - started;
    t.diagnostic(`newcomer: overview opened to first serving in ${(took / 1000).toFixed(1)} s`);
    await screenshot(page, 'newcomer-deployed');
    assert.ok(took < NEWCOMER_BUDGET_MS, `took ${took} ms`);

    const shown = await berth.json<{ port: number; image: string; health: { path: string } }>([
      ...['apps', 'show', 'first'],
    ]);
    assert.deepEqual([shown.image, shown.port, shown.health.path], [HELLO_V1, HELLO_PORT, '/']);
  });

  test('newcomer: a name berthd would refuse is named at its field, and nothing is created', async () => {
    const { w, origin } = d();
    const page = w.page;
    const before = await appNames(d);
    const sent: string[] = [];
    const record = (request: Request): void => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.startsWith('/api/v1/apps'))
        sent.push(request.url());
    };
    page.on('request', record);
    try {
      await page.goto(`${origin}/`);
      const form = page.getByRole('form', { name: 'New app' });
      const name = form.getByLabel('App name');
      await name.fill('Bad Name!');
      await form.getByLabel('Image').fill(HELLO_V1);
      await form.getByRole('button', { name: 'Create and deploy' }).click();
      await form.getByText(/^Bad Name! is not an app name\./).waitFor();
      assert.equal(await name.getAttribute('aria-invalid'), 'true');
      const described = (await name.getAttribute('aria-describedby')) ?? '';
      assert.match((await page.locator(`#${described}`).textContent()) ?? '', /is not an app name/);
      // (An expression as text: this file is typed for Node, without the DOM's types.)
      assert.equal(await page.evaluate<string | null>('document.activeElement?.id ?? null'), 'new-app-name');
      await screenshot(page, 'overview-new-app-invalid');
      // On a phone the fields wrap under each other: nothing is wider than the screen.
      await page.setViewportSize({ width: 375, height: 740 });
      try {
        assert.equal(
          await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'),
          true,
          'the overview scrolls sideways on a phone',
        );
        await form.scrollIntoViewIfNeeded();
        await screenshot(page, 'overview-new-app-phone');
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
      }
      // A port out of range is named too, once the name is right.
      await name.fill('second');
      await form.getByLabel('Port').fill('70000');
      await form.getByRole('button', { name: 'Create and deploy' }).click();
      await form.getByText(/^Give the port the app listens on/).waitFor();
      assert.equal(await form.getByLabel('Port').getAttribute('aria-invalid'), 'true');
      assert.equal(await name.getAttribute('aria-invalid'), 'false');
    } finally {
      page.off('request', record);
    }
    assert.deepEqual(sent, [], 'no request was sent');
    assert.deepEqual(await appNames(d), before);
  });
}
