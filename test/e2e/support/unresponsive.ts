/**
 * What a test says when berthd stops answering (the CLI exits 3, "Lost the connection"): CI
 * shows a failed test's error and little else, and a berthd that hangs leaves nothing in it.
 * So the error carries what tells a busy loop from a deadlock: the process's state and how much
 * CPU it used over a second, the JavaScript stack at that moment (Node's diagnostic report,
 * which berth up's processes are started able to write on SIGUSR2: reportOnSignalOptions), and
 * the tail of berthd's log.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPORT_SIGNAL = 'SIGUSR2';

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

/** NODE_OPTIONS for `berth up`: its processes write a diagnostic report to `dir` on REPORT_SIGNAL. */
export function reportOnSignalOptions(dir: string, inherited: string): string {
  return `${inherited} --report-on-signal --report-signal=${REPORT_SIGNAL} --report-directory=${dir}`.trim();
}

/** utime + stime of a process, in clock ticks, and its state letter (R running, S sleeping, …). */
async function cpuOf(pid: number): Promise<{ ticks: number; state: string } | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // Fields after the command (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', ticks: Number(fields[11]) + Number(fields[12]) };
}

async function reportStack(pid: number, dir: string): Promise<string> {
  try {
    process.kill(pid, REPORT_SIGNAL);
  } catch {
    return '(no report: the process is gone)';
  }
  for (let i = 0; i < 20; i++) {
    await sleep(250);
    const name = (await readdir(dir).catch(() => [] as string[])).find((f) => f.includes(`.${pid}.`));
    if (!name) continue;
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    try {
      const report = JSON.parse(text) as {
        javascriptStack?: { message?: string; stack?: string[] };
        libuv?: { type: string; is_active: boolean }[];
      };
      const stack = report.javascriptStack?.stack?.slice(0, 25).join('\n  ') ?? '(no stack)';
      const handles = new Map<string, number>();
      for (const h of report.libuv ?? [])
        if (h.is_active) handles.set(h.type, (handles.get(h.type) ?? 0) + 1);
      return `JS stack (${report.javascriptStack?.message ?? ''}):\n  ${stack}\nactive libuv handles: ${JSON.stringify(Object.fromEntries(handles))}`;
    } catch {
      // Still being written.
    }
  }
  return '(no report within 5 s)';
}

/** Each thread's name, state and the kernel function it sleeps in: a main thread asleep in a futex or an fsync shows here. */
async function threadsOf(pid: number): Promise<string> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lines = await Promise.all(
    tids.map(async (tid) => {
      const dir = `/proc/${pid}/task/${tid}`;
      const [comm, stat, wchan] = await Promise.all(
        ['comm', 'stat', 'wchan'].map((f) => readFile(join(dir, f), 'utf8').catch(() => '?')),
      );
      const state = (stat ?? '?').slice((stat ?? '').lastIndexOf(')') + 2).split(' ')[0];
      return `${tid} ${(comm ?? '?').trim()} ${state} ${wchan ?? '?'}`;
    }),
  );
  return lines.join('\n  ');
}

/** The kernel's view of the API port: the listen queue and each connection's unread bytes (Recv-Q). */
function socketsOn(port: number): Promise<string> {
  return new Promise((resolve) =>
    execFile('ss', ['-Htanp', `( sport = :${port} or dport = :${port} )`], { timeout: 5000 }, (err, out) =>
      resolve(err ? `(ss failed: ${err.message})` : out.trim().split('\n').slice(0, 30).join('\n  ')),
    ),
  );
}

/** GET /api/v1/health on loopback (no store, no auth): does berthd answer anything at all, and how fast? */
function probeHealth(port: number): Promise<string> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/health', timeout: 5000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(`GET /api/v1/health: ${res.statusCode} in ${Date.now() - started} ms`));
    });
    req.once('timeout', () => {
      req.destroy();
      resolve('GET /api/v1/health: no answer within 5 s');
    });
    req.once('error', (err) =>
      resolve(`GET /api/v1/health: ${err.message} after ${Date.now() - started} ms`),
    );
    req.end();
  });
}

/** A few lines that say what berthd (pid, API on 127.0.0.1:port) was doing when it did not answer. */
export async function diagnoseUnresponsive(
  pid: number,
  port: number,
  reportDir: string,
  log: string,
): Promise<string> {
  const before = await cpuOf(pid);
  const [health] = await Promise.all([probeHealth(port), sleep(1000)]);
  const after = await cpuOf(pid);
  const cpu =
    before && after
      ? `berthd ${pid}: state ${after.state}, ${after.ticks - before.ticks} CPU ticks in 1 s (100 = one core busy)`
      : `berthd ${pid}: not running`;
  const threads = await threadsOf(pid);
  const sockets = await socketsOn(port);
  const tail = log.split('\n').slice(-40).join('\n');
  return [
    '--- berthd did not answer ---',
    cpu,
    health,
    `threads (tid name state wchan):\n  ${threads}`,
    `sockets on :${port}:\n  ${sockets}`,
    await reportStack(pid, reportDir),
    "--- the end of berth up's output ---",
    tail,
  ].join('\n');
}
