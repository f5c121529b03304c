/**
 * A Berth agent on a fleet server, the way a person sets one up: `berth agent join URL TOKEN`
 * then `berth agent run`, both inside the server's namespace and cgroup (so freeze, kill and
 * partition reach the agent, its Caddy and its containers), against the server's own Podman.
 * For scenario tests; the commands come from issue 10's joinagent work.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, type BerthUnderTest } from '../../e2e/support/berth.js';
import { testBuilderDir } from '../../support/builder.js';
import type { CommandResult } from './command.js';
import type { FleetServer } from './server.js';

export interface FleetAgent {
  dataDir: string;
  /** The supervisor `berth agent run` (its children are in the server's cgroup too). */
  process: ChildProcess;
  log: string;
}

/** Runs `berth ARGS` on the server (a CLI command, not a long-running one). */
export function berthOn(server: FleetServer, args: readonly string[]): Promise<CommandResult> {
  return server.exec(process.execPath, [CLI, ...args], { timeoutMs: 120_000 });
}

/**
 * Joins the server to the berthd at `controlUrl` (https://<fleet.controlIp>:<port>) with a
 * one-time token, then starts its agent. Apps are served on the server's own address.
 */
export async function joinAndRunAgent(
  server: FleetServer,
  options: { controlUrl: string; token: string; httpPort?: number; httpsPort?: number },
): Promise<FleetAgent> {
  const dataDir = join(server.dir, 'agent');
  const joined = await berthOn(server, [
    'agent',
    'join',
    options.controlUrl,
    options.token,
    '--data-dir',
    dataDir,
    '--engine-socket',
    server.engineSocket,
    '--public-ip',
    server.ip,
    // The fleet bridge is the servers' private network: other edges reach replicas there.
    '--private-ip',
    server.ip,
    '--http-port',
    String(options.httpPort ?? 80),
    ...(options.httpsPort === undefined ? [] : ['--https-port', String(options.httpsPort)]),
    '--mesh-interface',
    server.meshInterface,
    '--json',
  ]);
  if (joined.code !== 0) {
    throw new Error(
      `berth agent join on ${server.name} exited ${joined.code}: ${joined.stderr}${joined.stdout}`,
    );
  }
  return runAgent(server, dataDir);
}

/** Starts `berth agent run` on a server that joined (again after a kill: same data dir, same key). */
export function runAgent(server: FleetServer, dataDir: string): FleetAgent {
  const log = join(server.dir, 'agent.log');
  const fd = openSync(log, 'a');
  const child = server.spawn(
    process.execPath,
    [CLI, 'agent', 'run', '--data-dir', dataDir, '--builder-dir', testBuilderDir(process.env)],
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  return { dataDir, process: child, log };
}

/**
 * Adds each server to berthd with its label, joins and runs its agent (`berth agent join` with
 * `httpsPort` when given), and waits until all of them are online.
 */
export async function joinServers(
  berth: BerthUnderTest,
  controlIp: string,
  servers: readonly { server: FleetServer; label: string }[],
  options: { httpsPort?: number } = {},
): Promise<Map<string, FleetAgent>> {
  const agents = new Map<string, FleetAgent>();
  for (const { server, label } of servers) {
    const { token } = await berth.json<{ token: string }>(['servers', 'add', server.name, '--label', label]);
    agents.set(
      server.name,
      await joinAndRunAgent(server, {
        controlUrl: `https://${controlIp}:${berth.apiPort}`,
        token,
        ...options,
      }),
    );
  }
  const names = servers.map((s) => s.server.name);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listed = await berth.json<{ servers: { name: string; status: string }[] }>(['servers', 'list']);
    const online = new Set(listed.servers.filter((s) => s.status === 'online').map((s) => s.name));
    if (names.every((n) => online.has(n))) return agents;
    if (Date.now() > deadline) throw new Error(`not every server came online: ${JSON.stringify(listed)}`);
    await sleep(200);
  }
}
