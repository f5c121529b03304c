import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BerthUnderTest } from '../test/e2e/support/berth.js';
import { launchChromium } from '../test/support/chromium.js';
import { percentile } from './measure.js';

export interface DashboardFigures {
  /** Every .js and .css file of the build, gzipped one by one (as a server would send them). */
  gzipBytes: number;
  rawBytes: number;
  /** First contentful paint of the overview, ms from navigation start. */
  fcp: number[];
  /** Until the overview shows the apps (the page's data fetched and rendered): usable. */
  interactive: number[];
}

const DIST = fileURLToPath(new URL('../apps/web/dist/assets/', import.meta.url));
const EMAIL = 'bench@example.com';
const PASSWORD = 'bench-password-123';

/**
 * The dashboard's weight and how soon it is usable, in headless Chromium against `berth up
 * --no-agent` on this machine: cold loads of the overview (a fresh browser context each: no
 * cache) by a logged-in owner.
 */
export async function measureDashboard(samples = 10): Promise<DashboardFigures> {
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const file of await readdir(DIST)) {
    if (!/\.(js|css)$/.test(file)) continue;
    const body = await readFile(join(DIST, file));
    rawBytes += body.length;
    gzipBytes += gzipSync(body, { level: 9 }).length;
  }
  const berth = await BerthUnderTest.create();
  await berth.start(['--no-agent']);
  const origin = `http://127.0.0.1:${berth.apiPort}`;
  const browser = await launchChromium();
  try {
    const token = /\/setup#(setup_[A-Za-z0-9_-]+)/.exec(berth.output)?.[1];
    if (!token) throw new Error(`berth up printed no setup link:\n${berth.output}`);
    const setup = await fetch(`${origin}/api/v1/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, email: EMAIL, password: PASSWORD }),
    });
    if (setup.status !== 204) throw new Error(`setup: ${setup.status} ${await setup.text()}`);
    const figures: DashboardFigures = { gzipBytes, rawBytes, fcp: [], interactive: [] };
    for (let i = 0; i < samples; i++) {
      const context = await browser.newContext();
      const login = await context.request.post(`${origin}/api/v1/sessions`, {
        data: { email: EMAIL, password: PASSWORD, mode: 'browser' },
      });
      if (login.status() !== 201) throw new Error(`login: ${login.status()}`);
      const page = await context.newPage();
      const start = Date.now();
      await page.goto(`${origin}/`);
      await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
      await page
        .getByText(/no apps|web/i)
        .first()
        .waitFor();
      const ready = Date.now() - start;
      const fcp = await page.evaluate(
        () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
      );
      figures.fcp.push(fcp);
      figures.interactive.push(ready);
      await context.close();
    }
    return figures;
  } finally {
    await browser.close();
    await berth.destroy();
  }
}

export function dashboardRows(f: DashboardFigures): string[] {
  const ms = (xs: number[], p: number): string => `${Math.round(percentile(xs, p))} ms`;
  return [
    '| dashboard | figure |',
    '| --- | --- |',
    `| JS + CSS, gzip (raw) | ${(f.gzipBytes / 1024).toFixed(1)} kB (${(f.rawBytes / 1024).toFixed(0)} kB) |`,
    `| first contentful paint, cold, p50 / p95 (n=${f.fcp.length}) | ${ms(f.fcp, 50)} / ${ms(f.fcp, 95)} |`,
    `| overview usable (apps shown), cold, p50 / p95 | ${ms(f.interactive, 50)} / ${ms(f.interactive, 95)} |`,
  ];
}
