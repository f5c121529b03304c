/**
 * A real berthd in its own process for the fleet bench, started as `berth up --no-agent` starts
 * it (apps/server's main with BERTHD_* variables) on a temp data dir and a free loopback port:
 * no local agent, plain HTTP and ws:// as `berth up` serves by default (its API on 127.0.0.1).
 * Its RSS and CPU are its own, read from /proc by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/e2e/support/berth.js';

const BERTHD_MAIN = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));
const SQL_TIMING = fileURLToPath(new URL('./sql-timing.ts', import.meta.url));

export class BerthdProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
    readonly logFile: string,
  ) {}

  /**
   * Starts berthd and resolves once it answers /health. `cpuProfileDir`: node --cpu-prof there;
   * `sqlTimingFile`: SQL statement times there (sql-timing.ts; loads tsx into berthd).
   */
  static async start(
    dir: string,
    diagnostics: { cpuProfileDir?: string | undefined; sqlTimingFile?: string | undefined } = {},
  ): Promise<BerthdProcess> {
    const { cpuProfileDir, sqlTimingFile } = diagnostics;
    const port = await freePort();
    const dataDir = join(dir, 'berthd');
    const logFile = join(dir, 'berthd.log');
    const log = createWriteStream(logFile);
    const child = spawn(
      process.execPath,
      [
        ...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : []),
        ...(sqlTimingFile ? ['--import', 'tsx', '--import', SQL_TIMING] : []),
        BERTHD_MAIN,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          BERTHD_DATA_DIR: dataDir,
          BERTHD_HOST: '127.0.0.1',
          BERTHD_PORT: String(port),
          BERTHD_HTTP_PORT: '8080',
          BERTHD_LOG_LEVEL: 'warn',
          ...(sqlTimingFile && { BENCH_SQL_TIMING_FILE: sqlTimingFile }),
        },
      },
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const berthd = new BerthdProcess(child, port, dataDir, logFile);
    await berthd.waitForHealth();
    return berthd;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('berthd has no pid');
    return this.child.pid;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get linkUrl(): string {
    return `ws://127.0.0.1:${this.port}/api/v1/agent/connect`;
  }

  async adminToken(): Promise<string> {
    return (await readFile(join(this.dataDir, 'admin.token'), 'utf8')).trim();
  }

  /** SIGTERM (berthd closes its links and store), SIGKILL after 30 s; by this child's pid only. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    if ((await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)])) === false)
      this.child.kill('SIGKILL');
  }

  private async waitForHealth(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (this.child.exitCode !== null)
        throw new Error(`berthd exited with ${this.child.exitCode}: see ${this.logFile}`);
      const ok = await fetch(`${this.origin}/api/v1/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(100);
    }
    throw new Error(`berthd did not answer within 30 s: see ${this.logFile}`);
  }
}
