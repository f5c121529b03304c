/**
 * What `berth up` and `berth agent run` do alike around their supervised children: one instance
 * per data dir (a pid lock), free ports checked before anything starts, the build sandbox's user
 * prepared as root, the engine and the edge started in order, and a clean stop on SIGINT/SIGTERM
 * that leaves app containers running.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { DEFAULT_BUILD_USER, prepareBuildHost } from '@berth/engine';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import type { CliEnvironment } from '../../cli/environment.js';
import { caddyChild, dnsChild } from './children.js';
import { chooseEdgeServicePorts, type EdgeServicePorts } from './edge-service.js';
import type { ProxyKind } from '@berth/protocol';
import { findNginx, nginxChild, waitForNginx, type EdgeListeners } from './nginx-child.js';
import type { EngineChoice } from './engine.js';
import type { UpPaths } from './paths.js';
import { waitForSocket } from './readiness.js';
import type { Supervisor } from './supervisor.js';

/** Refuses a second instance on one data dir; otherwise records this process as its holder. */
export async function takeLock(paths: UpPaths, what: string): Promise<void> {
  const holder = Number((await readFile(paths.lockFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
    throw new CliError(
      `${what} is already running from ${paths.dataDir} (pid ${holder})`,
      EXIT.userError,
      'Stop it first, or use another --data-dir',
    );
  }
  await writeFile(paths.lockFile, `${process.pid}\n`, { mode: 0o600 });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export function assertPortFree(port: number, host: string, flag: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          `Port ${port} on ${host} is not available (${err.code ?? err.message})`,
          EXIT.userError,
          `Choose another with ${flag}`,
        ),
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/**
 * Builds run in a sandbox as an unprivileged user (docs/security.md); as root, make sure it
 * exists. A failure here turns builds off (the agent says why), not Berth.
 */
export async function prepareBuilds(say: (line: string) => void): Promise<void> {
  try {
    for (const change of await prepareBuildHost(DEFAULT_BUILD_USER)) say(`builds: ${change}`);
  } catch (err) {
    say(
      `builds: cannot prepare the build sandbox (${err instanceof Error ? err.message : String(err)}); builds are off`,
    );
  }
}

/**
 * Resolves with the exit code once a signal has stopped everything; `stopping` is what to say
 * then (e.g. that app containers keep running).
 */
export function stopOnSignal(supervisor: Supervisor, paths: UpPaths, stopping: string): Promise<number> {
  return new Promise((resolve) => {
    let stopped = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopped) return;
      stopped = true;
      process.stdout.write(`\n${signal}: ${stopping}\n`);
      void supervisor
        .stopAll()
        .then(() => rm(paths.lockFile, { force: true }))
        .then(() => resolve(EXIT.ok));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The edge of this run: which proxy, and its listeners (the same flags for either). */
export interface EdgeChoice extends EdgeListeners {
  proxy: ProxyKind;
}

/** What the agent is told of the edge started for it. */
export interface EdgeRun extends EdgeServicePorts {
  /** The nginx binary the supervisor runs (the agent tests and reloads with the same); null: Caddy. */
  nginxBin: string | null;
}

/**
 * Starts the engine (when Berth runs its own), then the edge: the edge service (DNS, responder,
 * certificates) and Caddy, or nginx. Returns the edge service's ports, which the agent's Caddy
 * config names, and the nginx binary.
 */
export async function startEngineAndEdge(
  supervisor: Supervisor,
  paths: UpPaths,
  engine: EngineChoice,
  env: CliEnvironment['env'],
  say: (line: string) => void,
  choice: EdgeChoice,
): Promise<EdgeRun> {
  // Found before anything starts: a missing nginx stops berth up with the reason.
  const nginxBin = choice.proxy === 'nginx' ? await findNginx(env) : null;
  if (engine.child) supervisor.start(engine.child);
  const edge = await chooseEdgeServicePorts();
  // Caddy resumes its last config, whose upstreams it asks the DNS service for: that service
  // listens first, or every request before it does logs "no such file" (issue 9). nginx does
  // not use it; it runs anyway, harmless, so both edges start alike.
  supervisor.start(dnsChild(paths, edge));
  await waitForSocket(paths.dnsSocket, 'dns', supervisor, say);
  if (nginxBin === null) {
    supervisor.start(await caddyChild(paths, env));
  } else {
    supervisor.start(await nginxChild(paths, choice, nginxBin));
    await waitForNginx(choice, supervisor, say);
  }
  return { ...edge, nginxBin };
}
