import { readFile } from 'node:fs/promises';
import { BerthUnderTest } from '../test/e2e/support/berth.js';
import { launchChromium } from '../test/support/chromium.js';
import { HELLO_V1, HELLO_V2 } from '../test/support/images.js';
import { percentile } from './measure.js';

export interface DashboardLiveFigures {
  /** ms from a deployment step's `at` (berthd wrote it) to its row in the page's steps list. */
  stepToPage: number[];
  deploys: number;
  followers: number;
  /** berthd's CPU (% of one core) and resident memory, over the same deploys, without and with followers. */
  alone: ProcessLoad;
  followed: ProcessLoad;
  /** What each follower held open: the team's event stream (when berthd has one), logs, steps. */
  streams: string[];
}

export interface ProcessLoad {
  cpuPercent: number;
  rssMiB: number;
  seconds: number;
}

const EMAIL = 'bench@example.com';
const PASSWORD = 'bench-password-123';
const CLOCK_TICKS = 100;

/**
 * Runs in the page (a string: this project's TypeScript has no DOM types): each step row's
 * arrival against the step's own time, the <time datetime> in the row. Rows that come with their
 * list (the steps read when the panel opened) are not live arrivals and are left out.
 */
const NOTE_STEP_ARRIVALS = `
  window.__stepLatencies = [];
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records)
      for (const node of r.addedNodes) {
        if (!(node instanceof HTMLElement) || !node.matches('li.step')) continue;
        const at = node.querySelector('time')?.getAttribute('datetime');
        if (at) window.__stepLatencies.push(now - Date.parse(at));
      }
  }).observe(document, { childList: true, subtree: true });
`;

/**
 * The dashboard live, against a real `berth up` (agent, Podman, Caddy) on this machine:
 * 1. step to page: one logged-in Chromium on the app's page deploys from the page, again and
 *    again; a MutationObserver in the page notes when each step's row appears, and the step's own
 *    `at` says when berthd wrote it (one machine, one clock). Steps already written when the list
 *    first rendered are left out: they measure the page's load, not the stream.
 * 2. `followers` dashboards at once, each with a browser session of its own following what the
 *    app page follows (the app's logs, the newest deployment's steps, and the team's event stream
 *    when berthd serves one), while the same deploys run: berthd's CPU and memory beside the same
 *    deploys with nobody following.
 */
export async function measureDashboardLive(deploys = 8, followers = 100): Promise<DashboardLiveFigures> {
  const berth = await BerthUnderTest.create();
  await berth.start();
  const origin = `http://127.0.0.1:${berth.apiPort}`;
  const browser = await launchChromium();
  try {
    const token = /\/setup#(setup_[A-Za-z0-9_-]+)/.exec(berth.output)?.[1];
    if (!token) throw new Error(`berth up printed no setup link:\n${berth.output}`);
    await expectStatus(
      fetch(`${origin}/api/v1/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, email: EMAIL, password: PASSWORD }),
      }),
      204,
      'setup',
    );
    const cli = async (args: string[]): Promise<void> => {
      const r = await berth.cli(args);
      if (r.code !== 0) throw new Error(`berth ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    };
    await cli(['apps', 'create', 'web', '--image', HELLO_V1, '--port', '8080', '--health-path', '/']);
    await cli(['deploy', 'web']);

    const context = await browser.newContext();
    const login = await context.request.post(`${origin}/api/v1/sessions`, {
      data: { email: EMAIL, password: PASSWORD, mode: 'browser' },
    });
    if (login.status() !== 201) throw new Error(`login: ${login.status()}`);
    const page = await context.newPage();
    await page.addInitScript({ content: NOTE_STEP_ARRIVALS });
    await page.goto(`${origin}/apps/web`);
    await page.getByRole('heading', { name: 'Deployments' }).waitFor();
    let version = 1;
    const deployFromPage = async (): Promise<void> => {
      version += 1;
      await page.getByLabel('Image').fill(version % 2 === 0 ? HELLO_V2 : HELLO_V1);
      await page.getByRole('button', { name: 'Deploy' }).click();
      await page
        .getByRole('row', { name: new RegExp(`v${version}\\b.*succeeded`) })
        .first()
        .waitFor({ timeout: 120_000 });
    };
    for (let i = 0; i < deploys; i++) await deployFromPage();
    const stepToPage = await page.evaluate<number[]>('window.__stepLatencies');

    const pid = await berth.pid('berthd');
    const alone = await sampleLoad(pid, async () => {
      for (let i = 0; i < 3; i++) await deployFromPage();
    });
    const following = await openFollowers(origin, followers);
    try {
      const followed = await sampleLoad(pid, async () => {
        for (let i = 0; i < 3; i++) {
          await deployFromPage();
          await following.followNewest();
        }
      });
      return { stepToPage, deploys, followers, alone, followed, streams: following.streams };
    } finally {
      following.close();
    }
  } finally {
    await browser.close();
    await berth.destroy();
  }
}

async function expectStatus(res: Promise<Response>, status: number, what: string): Promise<Response> {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${await r.text()}`);
  return r;
}

/** `followers` browser sessions, each holding the app page's streams open (bodies read and dropped). */
async function openFollowers(origin: string, followers: number) {
  const controller = new AbortController();
  const cookies: string[] = [];
  for (let i = 0; i < followers; i++) {
    const res = await expectStatus(
      fetch(`${origin}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: EMAIL, password: PASSWORD, mode: 'browser' }),
      }),
      201,
      'login',
    );
    cookies.push((res.headers.get('set-cookie') ?? '').split(';')[0] ?? '');
  }
  const open = async (cookie: string, path: string): Promise<boolean> => {
    const res = await fetch(`${origin}${path}`, { headers: { cookie }, signal: controller.signal }).catch(
      () => null,
    );
    if (!res?.ok || !res.body) {
      await res?.body?.cancel();
      return false;
    }
    void (async () => {
      try {
        for await (const _chunk of res.body ?? []) void _chunk;
      } catch {
        // Aborted at the end of the measure.
      }
    })();
    return true;
  };
  const streams = ['GET /api/v1/apps/web/logs?follow=true'];
  const events = await open(cookies[0] ?? '', '/api/v1/events');
  if (events) streams.push('GET /api/v1/events');
  await Promise.all(
    cookies.map(async (cookie, i) => {
      if (events && i > 0) await open(cookie, '/api/v1/events');
      await open(cookie, '/api/v1/apps/web/logs?follow=true');
    }),
  );
  streams.push('GET /api/v1/deployments/{newest}/events?follow=true');
  return {
    streams,
    /** Every dashboard opens the newest deployment's steps, as the app page does. */
    async followNewest(): Promise<void> {
      const list = await fetch(`${origin}/api/v1/apps/web/deployments`, {
        headers: { cookie: cookies[0] ?? '' },
      });
      const body = (await list.json()) as { deployments: { id: string }[] };
      const newest = body.deployments[0]?.id;
      if (!newest) return;
      await Promise.all(cookies.map((c) => open(c, `/api/v1/deployments/${newest}/events?follow=true`)));
    },
    close: () => controller.abort(),
  };
}

/** berthd's CPU time and peak resident memory (from /proc) while `work` runs. */
async function sampleLoad(pid: number, work: () => Promise<void>): Promise<ProcessLoad> {
  const cpu = async (): Promise<number> => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  };
  const rss = async (): Promise<number> => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };
  let peak = await rss();
  const timer = setInterval(() => {
    void rss().then((r) => (peak = Math.max(peak, r)));
  }, 250);
  const started = Date.now();
  const before = await cpu();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    cpuPercent: (((await cpu()) - before) / seconds) * 100,
    rssMiB: Math.max(peak, await rss()),
    seconds,
  };
}

export function dashboardLiveRows(f: DashboardLiveFigures): string[] {
  const ms = (p: number): string => `${Math.round(percentile(f.stepToPage, p))} ms`;
  const load = (l: ProcessLoad): string =>
    `${l.cpuPercent.toFixed(1)} % of a core, ${l.rssMiB.toFixed(0)} MiB RSS (${l.seconds.toFixed(0)} s)`;
  return [
    '| dashboard, live | figure |',
    '| --- | --- |',
    `| deploy step written → shown in the page, p50 / p95 / max (n=${f.stepToPage.length}, ${f.deploys} deploys) | ${ms(50)} / ${ms(95)} / ${ms(100)} |`,
    `| berthd during 3 deploys, nobody following | ${load(f.alone)} |`,
    `| berthd during 3 deploys, ${f.followers} dashboards following | ${load(f.followed)} |`,
    `| what each dashboard held open | ${f.streams.join('; ')} |`,
  ];
}
