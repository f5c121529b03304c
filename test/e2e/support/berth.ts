/**
 * Runs `berth up` the way a person does — a real process on a temp data dir with free ports —
 * and drives the CLI against it. Cleans up exactly what it started: its processes (by pid) and
 * the containers its agent labelled.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { testBuilderDir } from '../../support/builder.js';
import { freePort } from '../../support/ports.js';

export { freePort };
import { diagnoseUnresponsive, echoStalls, hasStallLine } from './unresponsive.js';

export const CLI = fileURLToPath(new URL('../../../apps/cli/dist/main.js', import.meta.url));
const KEPT_LOGS = fileURLToPath(new URL('../../../.berth-test/logs', import.meta.url));

/** The CLI's exit code when berthd cannot be reached (or does not answer in time). */
const EXIT_UNREACHABLE = 3;
/** The CLI's words for a request berthd did not answer within its timeout (AbortSignal.timeout). */
const CLI_TIMED_OUT = 'aborted due to timeout';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class BerthUnderTest {
  private up: ChildProcess | null = null;
  /** `berth up --domain` of the current run: every app is `<app>.<domain>`. */
  domain = 'localhost';
  /** What the current `berth up` printed; allOutput keeps every run's. */
  output = '';
  allOutput = '';

  private constructor(
    readonly dataDir: string,
    readonly apiPort: number,
    readonly httpPort: number,
  ) {}

  static async create(): Promise<BerthUnderTest> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-e2e-'));
    return new BerthUnderTest(join(dir, 'data'), await freePort(), await freePort());
  }

  /**
   * Starts `berth up` (with `extraArgs`, e.g. `--allow-local-sources DIR`, and `env` added to
   * its environment) and resolves once it says it is up.
   */
  private echoOutput = false;

  async start(extraArgs: readonly string[] = [], env: Record<string, string> = {}): Promise<void> {
    const domainAt = extraArgs.indexOf('--domain');
    this.domain = (domainAt >= 0 ? extraArgs[domainAt + 1] : undefined) ?? 'localhost';
    const up = spawn(
      process.execPath,
      [
        CLI,
        'up',
        '--data-dir',
        this.dataDir,
        '--api-port',
        String(this.apiPort),
        '--http-port',
        String(this.httpPort),
        '--http-host',
        '127.0.0.1',
        // Shared by the test run, so base images are bootstrapped once (see test/support/builder.ts).
        '--builder-dir',
        testBuilderDir(process.env),
        ...extraArgs,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      },
    );
    this.up = up;
    this.output = '';
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        this.output += d.toString();
        this.allOutput += d.toString();
        // berthd's warnings of a store call that can deadlock SQLite, a transaction open for long
        // or calls stuck waiting (packages/store's transaction-guard.ts), and all that follows
        // them: shown in the test's output, where they are otherwise lost.
        if (
          d.includes('BERTH_STORE_REENTRANCY') ||
          d.includes('BERTH_STORE_SLOW_TRANSACTION') ||
          d.includes('BERTH_STORE_SLOW_CALL')
        )
          this.echoOutput = true;
        if (this.echoOutput) process.stderr.write(d);
        // A stall is shown even when the test passes: CI's log is where one is noticed.
        else if (hasStallLine(d)) echoStalls(d);
        if (this.output.includes('Berth is up.')) resolve();
      };
      up.stdout?.on('data', onData);
      up.stderr?.on('data', onData);
      up.once('exit', (code) => reject(new Error(`berth up exited with ${code}:\n${this.output}`)));
    });
    await Promise.race([
      ready,
      // Unref'd: a timer left running would keep a short test file's process alive for a minute.
      sleep(60_000, undefined, { ref: false }).then(() =>
        Promise.reject(new Error(`berth up did not come up:\n${this.output}`)),
      ),
    ]);
  }

  /** Stops `berth up` the way Ctrl-C does. */
  async stop(): Promise<void> {
    const up = this.up;
    this.up = null;
    if (!up || up.exitCode !== null) return;
    const exited = new Promise((r) => up.once('exit', r));
    up.kill('SIGINT');
    await Promise.race([exited, sleep(30_000, undefined, { ref: false })]);
  }

  /** Runs the CLI against this instance, as `berth ARGS`, with `input` on its stdin (closed either way). */
  cli(args: readonly string[], env: Record<string, string> = {}, input = ''): Promise<CliResult> {
    return new Promise<CliResult>((resolve) => {
      const child = execFile(
        process.execPath,
        [CLI, ...args],
        {
          env: { ...process.env, BERTH_DATA_DIR: this.dataDir, ...env },
          timeout: 300_000,
          maxBuffer: 64 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code =
            err && typeof (err as { code?: unknown }).code === 'number'
              ? (err as { code: number }).code
              : err
                ? 1
                : 0;
          resolve({ code, stdout, stderr });
        },
      );
      child.stdin?.end(input);
    }).then(async (r) => {
      // berthd took the CLI's whole timeout: say what it was doing, in the failing test's message.
      if (r.code !== EXIT_UNREACHABLE || !r.stderr.includes(CLI_TIMED_OUT)) return r;
      const why = await diagnoseUnresponsive(await this.pid('berthd'), this.apiPort, this.allOutput);
      return { ...r, stderr: `${r.stderr}\n${why}` };
    });
  }

  /**
   * Starts `berth ARGS` and returns at once, for commands that run until stopped (`--follow`):
   * what it printed so far, a way to signal it, and its result once it exits.
   */
  cliStream(args: readonly string[]): {
    stdout(): string;
    kill(signal: NodeJS.Signals): void;
    done: Promise<CliResult>;
  } {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, BERTH_DATA_DIR: this.dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<CliResult>((resolve) =>
      child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr })),
    );
    return { stdout: () => stdout, kill: (signal) => child.kill(signal), done };
  }

  /** Runs the CLI with --json and parses stdout; fails the test with the output otherwise. */
  async json<T = unknown>(args: readonly string[]): Promise<T> {
    const r = await this.cli([...args, '--json']);
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  async pid(child: 'berthd' | 'agent' | 'caddy' | 'dns' | 'podman'): Promise<number> {
    return Number((await readFile(join(this.dataDir, 'run', `${child}.pid`), 'utf8')).trim());
  }

  /**
   * Waits until the supervisor has started a new process for the child after `oldPid` died; for
   * berthd, also until it answers (a new pid alone does not mean it listens yet).
   */
  async waitForRestart(child: 'berthd' | 'agent', oldPid: number): Promise<number> {
    for (let i = 0; i < 200; i++) {
      const pid = await this.pid(child).catch(() => oldPid);
      if (pid !== oldPid) {
        if (child === 'berthd') await this.waitForApi();
        return pid;
      }
      await sleep(100);
    }
    throw new Error(`${child} was not restarted`);
  }

  async waitForApi(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`http://127.0.0.1:${this.apiPort}/api/v1/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(100);
    }
    throw new Error('berthd did not answer within 30 s');
  }

  /** Waits until every agent berthd knows (the local one) is connected to it. */
  async waitForAgentsOnline(): Promise<void> {
    const token = await this.token();
    for (let i = 0; i < 300; i++) {
      const servers = await fetch(`http://127.0.0.1:${this.apiPort}/api/v1/servers`, {
        headers: { authorization: `Bearer ${token}` },
      }).then(
        (r) => (r.ok ? (r.json() as Promise<{ servers: { status: string }[] }>) : null),
        () => null,
      );
      if (servers && servers.servers.length > 0 && servers.servers.every((s) => s.status === 'online'))
        return;
      await sleep(100);
    }
    throw new Error('the agent did not connect to berthd within 30 s');
  }

  async token(): Promise<string> {
    return (await readFile(join(this.dataDir, 'admin.token'), 'utf8')).trim();
  }

  /** The label value of the containers this instance's agent owns. */
  async agentId(): Promise<string> {
    return (await readFile(join(this.dataDir, 'agent', 'agent.id'), 'utf8')).trim();
  }

  /** Names and states of the containers this instance's agent owns, straight from Podman. */
  async containers(): Promise<{ name: string; state: string }[]> {
    const { stdout } = await podman([
      'ps',
      '-a',
      '--filter',
      `label=berth.agent=${await this.agentId()}`,
      '--format',
      'json',
    ]);
    const list = JSON.parse(stdout || '[]') as { Names: string[]; State: string }[];
    return list.map((c) => ({ name: c.Names[0] ?? '', state: c.State }));
  }

  /** GET through the proxy with the app's Host header. */
  get(app: string, path = '/'): Promise<{ status: number; body: string }> {
    // node:http, not fetch: fetch does not let a caller set the Host header.
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.httpPort, path, headers: { host: `${app}.${this.domain}` } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Stops everything and removes this instance's containers, networks, firewall table and data. */
  async destroy(): Promise<void> {
    const id = await this.agentId().catch(() => null);
    // The build storages of this instance's teams, in the builder dir the test run shares.
    const teams = await this.json<{ id: string }[]>(['teams', 'list']).catch(() => []);
    await this.stop();
    for (const team of teams) {
      await rm(join(testBuilderDir(process.env), 'teams', team.id), { recursive: true, force: true });
    }
    if (id) {
      // Replicas carry berth.agent; one-off runs (berth run, cron) berth.run.agent: a run still
      // going when the agent was stopped is removed by the agent's next start, which never comes.
      const ids: string[] = [];
      for (const label of ['berth.agent', 'berth.run.agent']) {
        const { stdout } = await podman([
          'ps',
          '-aq',
          '--no-trunc',
          '--filter',
          `label=${label}=${id}`,
        ]).catch(() => ({ stdout: '' }));
        ids.push(...stdout.split('\n').filter(Boolean));
      }
      if (ids.length > 0) await podman(['rm', '-f', '-t', '0', ...ids]).catch(() => undefined);
      // Podman 4.3 can drop a container from its records while runc still runs it (seen after
      // full runs: replicas of removed apps, still serving, in `runc list` only): runc ends those.
      for (const container of ids) await run('runc', ['delete', '--force', container]).catch(() => undefined);
      const nets = await podman(['network', 'ls', '-q', '--filter', `label=berth.agent=${id}`]).catch(() => ({
        stdout: '',
      }));
      for (const net of nets.stdout.split('\n').filter(Boolean))
        await podman(['network', 'rm', net]).catch(() => undefined);
      // Volumes are never removed by Berth on its own (only by `volumes delete`): the test does.
      const vols = await podman(['volume', 'ls', '-q', '--filter', `label=berth.agent=${id}`]).catch(() => ({
        stdout: '',
      }));
      for (const vol of vols.stdout.split('\n').filter(Boolean))
        await podman(['volume', 'rm', '-f', vol]).catch(() => undefined);
      await run('nft', ['delete', 'table', 'inet', `berth_apps_${id}`]).catch(() => undefined);
      await run('nft', ['delete', 'table', 'inet', `berth_build_${id}`]).catch(() => undefined);
    }
    // The agent unmounts its tmpfs of secret files when it stops; not when it was killed.
    await run('umount', ['-l', join(this.dataDir, 'agent', 'secrets')]).catch(() => undefined);
    // Keep the processes' logs where a failed run can be read (.berth-test/ is git-ignored).
    const keep = join(KEPT_LOGS, `${new Date().toISOString().replace(/[:.]/g, '-')}-${this.apiPort}`);
    await cp(join(this.dataDir, 'logs'), keep, { recursive: true }).catch(() => undefined);
    await writeFile(join(keep, 'up.log'), this.allOutput).catch(() => undefined);
    await rm(join(this.dataDir, '..'), { recursive: true, force: true });
  }
}

const run = (file: string, args: readonly string[]): Promise<unknown> =>
  promisify(execFile)(file, args, { timeout: 30_000 });

/** The podman CLI with the same host configuration `berth up` wrote for its service. */
export function podman(args: readonly string[]): Promise<{ stdout: string }> {
  return promisify(execFile)('podman', ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs', ...args], {
    timeout: 60_000,
  });
}
