/**
 * What the browser test's areas share: one `berth up`, one Chromium and one logged-in page
 * (test/browser/dashboard.e2e.test.ts makes them). Each area's tests are a module of this folder
 * that takes `Dashboard` and registers its tests; the main file calls them in order, after the app
 * `web` (2 replicas of HELLO_V1, then v2) is deployed and before logout and the checks of every page.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Watched } from '../../support/chromium.js';
import type { BerthUnderTest } from '../../e2e/support/berth.js';

export const EMAIL = 'owner@example.com';
export const PASSWORD = 'correct horse battery';

export interface Dashboard {
  berth: BerthUnderTest;
  browser: Browser;
  /** The owner's browser context, logged in. */
  context: BrowserContext;
  /** The owner's page: watched for dialogs, console errors and requests to other origins. */
  w: Watched;
  /** `http://127.0.0.1:<api port>`. */
  origin: string;
}

/** Read when a test runs (the `before` hook fills it), not when tests are registered. */
export type DashboardRef = () => Dashboard;

export const ok = (r: { code: number; stdout: string; stderr: string }): void =>
  assert.equal(r.code, 0, r.stdout + r.stderr);

/** Polls `condition` (a page or CLI read) until it holds; fails with `what` after ~20 s. */
export async function until(page: Page, what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; !(await condition()); i++) {
    assert.ok(i < 200, `timed out waiting until ${what}`);
    await page.waitForTimeout(100);
  }
}
