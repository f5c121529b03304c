/**
 * Debian's Chromium, driven by playwright-core (never `playwright install`: no browser is
 * downloaded, the system's is used). Each page records what must never happen on a dashboard
 * page: a dialog (an injected `alert`), an uncaught error, a console error (a CSP violation is
 * one), a request to anywhere but the page's origin. Screenshots go to test-artifacts/dashboard/
 * at the repository's root, the folder the README names.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's package puts it here (scripts/install-system-deps.sh --test installs it). */
export const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: bash scripts/install-system-deps.sh --test installs it`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** What a page must never do, collected as it happens. */
export interface Watched {
  page: Page;
  dialogs: string[];
  errors: string[];
  /** Requests that left the page's origin. */
  foreign: string[];
}

export async function watchedPage(context: BrowserContext, origin: string): Promise<Watched> {
  const page = await context.newPage();
  const watched: Watched = { page, dialogs: [], errors: [], foreign: [] };
  page.on('dialog', (d) => {
    watched.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => watched.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Not the page's error: the host's networks change under a test (Podman adds a bridge or a
    // veth as a replica or build starts; fleet tests add namespaces), and Chromium then cancels
    // every request in flight; the dashboard's long-lived streams (its event stream, log
    // follows) open again by themselves.
    if (m.type() === 'error' && !m.text().includes('net::ERR_NETWORK_CHANGED'))
      watched.errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:')) watched.foreign.push(url);
  });
  return watched;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's serious and critical violations on the page. axe is injected as a script, which
 * the dashboard's CSP forbids: run it in a context made with `bypassCSP: true`, kept apart from
 * the contexts that check the CSP itself.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const source = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: source });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
