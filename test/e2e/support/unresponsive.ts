/**
 * What a test says when berthd keeps the CLI waiting past its timeout: CI shows a failed test's
 * error and little else, and a berthd that hangs leaves nothing in it. So the error carries what
 * tells the causes apart: the process's state and CPU over a second, whether a request that
 * needs nothing (health) is answered, each thread's kernel wait, the API port's sockets and
 * berthd's warnings. No Node diagnostic report: writing one waits for every worker thread, so
 * asking for it while the store's checkpointer sat in a slow fsync stalled berthd itself.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet } from '../../fleet/support/http.js';

/** How berthd's stall line begins (apps/server/src/stall-watch.ts STALL_MESSAGE). */
export const STALL_MESSAGE = 'berthd stalled';

/** How a slow request's line begins (apps/server/src/http/slow-requests.ts SLOW_REQUEST_MESSAGE). */
export const SLOW_REQUEST_MESSAGE = 'berthd request unanswered';

const ECHOED = [STALL_MESSAGE, SLOW_REQUEST_MESSAGE];

/** Whether a chunk of berth up's output holds a line echoStalls copies. */
export const hasStallLine = (chunk: Buffer | string): boolean =>
  ECHOED.some((m) => chunk.toString().includes(m));

/** berth up's lines that say berthd stalled or kept a request waiting, copied to the test's output (TAP comments: stderr). */
export function echoStalls(chunk: Buffer | string): void {
  for (const line of chunk.toString().split('\n'))
    if (ECHOED.some((m) => line.includes(m))) process.stderr.write(`${line.trim()}\n`);
}

/** utime + stime of a process, in clock ticks, and its state letter (R running, S sleeping, …). */
async function cpuOf(pid: number): Promise<{ ticks: number; state: string } | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // Fields after the command (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', ticks: Number(fields[11]) + Number(fields[12]) };
}

/**
 * The main thread's kernel wait and the others' counted by theirs: a main thread in
 * `do_epoll_wait` has an idle event loop; one in a futex or an fsync is blocked in native code.
 */
async function threadsOf(pid: number): Promise<string> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const waits = await Promise.all(
    tids.map(async (tid) => {
      const dir = `/proc/${pid}/task/${tid}`;
      const [stat, wchan] = await Promise.all(
        ['stat', 'wchan'].map((f) => readFile(join(dir, f), 'utf8').catch(() => '?')),
      );
      const state = (stat ?? '?').slice((stat ?? '').lastIndexOf(')') + 2).split(' ')[0] ?? '?';
      return { main: tid === String(pid), what: `${state} ${wchan ?? '?'}` };
    }),
  );
  const others = new Map<string, number>();
  for (const w of waits) if (!w.main) others.set(w.what, (others.get(w.what) ?? 0) + 1);
  const main = waits.find((w) => w.main)?.what ?? '?';
  const rest = [...others].map(([what, n]) => `${n}× ${what}`).join(', ');
  return `main thread: ${main}; other threads: ${rest || 'none'}`;
}

/** The kernel's view of the API port: the listen queue and each connection's unread bytes (Recv-Q). */
function socketsOn(port: number): Promise<string> {
  return new Promise((resolve) =>
    // Berthd's side only (sport): the clients' half of each connection says nothing more.
    execFile('ss', ['-Htan', `( sport = :${port} )`], { timeout: 5000 }, (err, out) =>
      resolve(err ? `(ss failed: ${err.message})` : out.trim().split('\n').slice(0, 20).join('\n  ')),
    ),
  );
}

/** GET /api/v1/health on loopback (no store, no auth): does berthd answer anything at all, and how fast? */
async function probeHealth(port: number): Promise<string> {
  const started = Date.now();
  try {
    const answer = await httpGet(`http://127.0.0.1:${port}/api/v1/health`, { timeoutMs: 5_000 });
    return `GET /api/v1/health: ${answer.status} in ${Date.now() - started} ms`;
  } catch (err) {
    return `GET /api/v1/health: ${err instanceof Error ? err.message : String(err)} after ${Date.now() - started} ms`;
  }
}

/** berthd's warnings and errors in berth up's output (a store call stuck, a slow request, a stall). */
const warningsIn = (log: string): string[] =>
  log.split('\n').filter((l) => /warn|error|BERTH_|Warning/.test(l));

/**
 * A few lines that say what berthd (pid, API on 127.0.0.1:port) was doing when it did not
 * answer, the telling ones first: CI shows only the start of a long failure message.
 */
export async function diagnoseUnresponsive(pid: number, port: number, log: string): Promise<string> {
  const before = await cpuOf(pid);
  const [health] = await Promise.all([probeHealth(port), sleep(1000)]);
  const after = await cpuOf(pid);
  const cpu =
    before && after
      ? `berthd ${pid}: state ${after.state}, ${after.ticks - before.ticks} CPU ticks in 1 s (100 = one core busy)`
      : `berthd ${pid}: not running`;
  const warnings = warningsIn(log).slice(-15);
  return [
    '--- berthd did not answer ---',
    `${cpu}; ${health}`,
    await threadsOf(pid),
    `sockets on :${port} (Recv-Q Send-Q; LISTEN Recv-Q: connections not accepted):\n  ${await socketsOn(port)}`,
    `berthd's last warnings:\n  ${warnings.join('\n  ') || '(none)'}`,
    "--- the end of berth up's output ---",
    log.split('\n').slice(-20).join('\n'),
  ].join('\n');
}
