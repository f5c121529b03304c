/**
 * A Berth agent on a fleet server, the way a person sets one up: `berth agent join URL TOKEN`
 * then `berth agent run`, both inside the server's namespace and cgroup (so freeze, kill and
 * partition reach the agent, its Caddy and its containers), against the server's own Podman.
 * For scenario tests; the commands come from issue 10's joinagent work.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../../e2e/support/berth.js';
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
