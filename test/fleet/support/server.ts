/**
 * One "server" of the fleet: a network namespace on the bridge, a freezer group every process
 * of it lives in, and its own Podman service. Commands run in it through `nsenter --net` (not
 * `ip netns exec`, which remounts /sys and hides the cgroup mounts: TESTBED.md), after a tiny
 * wrapper has moved itself into the server's group, so nothing the server runs escapes it.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pingEngineSocket } from '@berth/engine';
import { runCommand, type CommandOptions, type CommandResult } from './command.js';
import type { FreezerGroup } from './freezer.js';
import { setServerLink, type FleetNames } from './netns.js';
import {
  podmanArgs,
  podmanEnv,
  removeDeadContainers,
  serviceArgs,
  type PodmanHostPaths,
} from './podman-host.js';

/**
 * `$0` is the group's cgroup.procs, `$@` the command: the wrapper joins the group, then
 * becomes the command (nsenter execs it in turn), so the pid node sees is the command's.
 */
const JOIN_THEN_EXEC = 'echo $$ > "$0" && exec "$@"';

export type ServerCondition = 'up' | 'frozen' | 'partitioned' | 'dead';

export interface SpawnOptions {
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  stdio?: StdioOptions;
}

export class FleetServer {
  /** 'up', or what the test last did to it. */
  condition: ServerCondition = 'up';
  private readonly children = new Set<ChildProcess>();
  private service: ChildProcess | null = null;

  constructor(
    /** 1-based. */
    readonly n: number,
    readonly ip: string,
    private readonly names: FleetNames,
    readonly group: FreezerGroup,
    readonly podman: PodmanHostPaths,
  ) {}

  get name(): string {
    return `s${this.n}`;
  }

  get netns(): string {
    return this.names.netns(this.n);
  }

  /** Its WireGuard interface (give it to `berth agent join --mesh-interface`). */
  get meshInterface(): string {
    return this.names.meshInterface(this.n);
  }

  /** The Docker-compatible API of this server's Podman (give it to `berth agent join --engine-socket`). */
  get engineSocket(): string {
    return this.podman.socket;
  }

  /** This server's directory: put an agent's `--data-dir` below it. */
  get dir(): string {
    return this.podman.dir;
  }

  /** The veth in the root namespace that partition() takes down. */
  get hostVeth(): string {
    return this.names.hostVeth(this.n);
  }

  /**
   * Runs a command on this server and waits for it (never rejects for a non-zero exit). On a
   * frozen server the command freezes too, until thawed or its timeout.
   */
  exec(cmd: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
    return runCommand('sh', this.wrap(cmd, args), options);
  }

  /**
   * Starts a long-running process on this server; stop() (or kill()) ends it. Its output is
   * dropped unless `stdio` says otherwise (a file descriptor of a log, say): pipes nobody reads
   * would block it once full.
   */
  spawn(cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('sh', this.wrap(cmd, args), {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: options.stdio ?? 'ignore',
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs this server's podman CLI on its own storage (for inspecting what an agent did). */
  podmanCli(args: readonly string[]): Promise<CommandResult> {
    return this.exec('podman', podmanArgs(this.podman, args), {
      env: podmanEnv(this.podman),
      timeoutMs: 60_000,
    });
  }

  async startEngine(): Promise<void> {
    const log = openSync(this.podman.log, 'a');
    this.service = this.spawn('podman', serviceArgs(this.podman), {
      env: podmanEnv(this.podman),
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const deadline = Date.now() + 15_000;
    while (!(await pingEngineSocket(this.podman.socket, 500))) {
      if (this.service.exitCode !== null || Date.now() > deadline) {
        throw new Error(`${this.name}: podman system service did not answer on ${this.podman.socket}`);
      }
      await sleep(20);
    }
  }

  /** A hung host: every process and container stops; TCP to it hangs. */
  async freeze(): Promise<void> {
    await this.group.freeze();
    this.condition = 'frozen';
  }

  async thaw(): Promise<void> {
    await this.group.thaw();
    this.condition = 'up';
  }

  /** A dead host: everything it ran (containers included) is SIGKILLed and its link goes down. */
  async kill(): Promise<void> {
    await this.group.killAll();
    await setServerLink(this.names, this.n, 'down');
    await this.waitForChildren();
    this.condition = 'dead';
  }

  /** Cut off from the bridge (and so from berthd and the other servers); processes keep running. */
  async partition(): Promise<void> {
    await setServerLink(this.names, this.n, 'down');
    this.condition = 'partitioned';
  }

  async heal(): Promise<void> {
    await setServerLink(this.names, this.n, 'up');
    this.condition = 'up';
  }

  /** Kills everything of this server and removes its containers' leftovers (for stop()). */
  async tearDown(): Promise<void> {
    await this.group.killAll();
    await this.waitForChildren();
    await removeDeadContainers(this.podman, (cmd, args, opts) => this.exec(cmd, args, opts));
    await this.group.killAll();
  }

  private wrap(cmd: string, args: readonly string[]): string[] {
    return [
      '-c',
      JOIN_THEN_EXEC,
      this.group.procsFile,
      'nsenter',
      `--net=/run/netns/${this.netns}`,
      '--',
      cmd,
      ...args,
    ];
  }

  private async waitForChildren(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) resolve();
            else c.once('exit', () => resolve());
          }),
      ),
    );
  }
}
