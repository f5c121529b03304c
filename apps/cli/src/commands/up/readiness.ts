import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@berth/client';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import type { Supervisor } from './supervisor.js';

/** Waits until berthd answers its health check; fails fast when a child keeps dying. */
export async function waitForBerthd(url: string, supervisor: Supervisor): Promise<void> {
  const client = createClient({ url, token: null, timeoutMs: 1000 });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (
      await client.health().then(
        () => true,
        () => false,
      )
    )
      return;
    for (const name of ['berthd', 'caddy', 'podman', 'agent', 'dns']) {
      if (supervisor.restarts(name) >= 3) {
        const lines = supervisor.lastLines(name).slice(-8);
        await supervisor.stopAll();
        throw new CliError(
          `${name} keeps failing to start`,
          EXIT.internal,
          'See its last lines above, or the log in <data-dir>/logs',
          lines,
        );
      }
    }
    await sleep(100);
  }
  await supervisor.stopAll();
  throw new CliError(
    'berthd did not become ready within 60 s',
    EXIT.internal,
    'See <data-dir>/logs/berthd.log',
  );
}

const AGENT_WAIT_MS = 30_000;

/**
 * Waits until the local agent is connected to berthd, so that "Berth is up" means a deploy or a
 * build can run. Says so and goes on after a while: apps already running are served meanwhile,
 * and the agent keeps reconnecting on its own.
 */
export async function waitForLocalAgent(
  url: string,
  token: string | null,
  supervisor: Supervisor,
  say: (line: string) => void,
): Promise<void> {
  if (token === null) return;
  const client = createClient({ url, token, timeoutMs: 1000 });
  const deadline = Date.now() + AGENT_WAIT_MS;
  while (Date.now() < deadline) {
    const servers = await client.listServers().catch(() => []);
    if (servers.some((s) => s.status === 'online')) return;
    if (supervisor.restarts('agent') >= 3) break;
    await sleep(50);
  }
  say(
    'The local agent is not connected yet: deploys and builds wait until it is (see <data-dir>/logs/agent.log).',
  );
}

const SOCKET_WAIT_MS = 10_000;

/**
 * Waits until a child accepts connections on its unix socket (a file left by a killed process
 * refuses them). Goes on after a while, saying so once: the child is still supervised.
 */
export async function waitForSocket(
  path: string,
  name: string,
  supervisor: Supervisor,
  say: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + SOCKET_WAIT_MS;
  while (Date.now() < deadline) {
    if (await accepts(path)) return;
    if (supervisor.restarts(name) >= 3) break;
    await sleep(20);
  }
  say(`${name} is not listening on ${path} yet; starting the rest anyway (see <data-dir>/logs/${name}.log)`);
}

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
