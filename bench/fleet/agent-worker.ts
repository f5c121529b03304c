/**
 * A worker process of the fleet bench: runs its share of the simulated agents (sim-agent.ts) and
 * answers the bench over the IPC channel. Agents in a few processes, so the bench's own process
 * never stands between berthd and them.
 */
import { join } from 'node:path';
import { now, SimAgent } from './sim-agent.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** Joins in flight per worker: enough to keep berthd busy, few enough not to time out. */
const JOIN_CONCURRENCY = 8;
const CONNECT_TIMEOUT_MS = 120_000;

let agents: SimAgent[] = [];

const send = (m: FromWorker): void => void process.send?.(m);

async function joinAll(m: Extract<ToWorker, { type: 'join' }>): Promise<void> {
  agents = m.agents.map((a) => new SimAgent(a.name, join(m.dir, a.name)));
  const tokens = new Map(m.agents.map((a) => [a.name, a.token]));
  const joinMs: number[] = [];
  const startedAt = now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < agents.length) {
      const agent = agents[next++] as SimAgent;
      joinMs.push(await agent.join(m.origin, tokens.get(agent.name) as string));
    }
  };
  await Promise.all(Array.from({ length: JOIN_CONCURRENCY }, lane));
  send({ type: 'joined', joinMs, startedAt, endedAt: now() });
}

async function connectAll(linkUrl: string): Promise<void> {
  const startedAt = now();
  for (const a of agents) a.start(linkUrl);
  const deadline = startedAt + CONNECT_TIMEOUT_MS;
  while (agents.some((a) => a.firstDesiredAt === null || !a.connected)) {
    if (now() > deadline) {
      const missing = agents.filter((a) => a.firstDesiredAt === null).length;
      throw new Error(
        `${missing} of ${agents.length} agents had no desired state after ${CONNECT_TIMEOUT_MS} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  send({ type: 'connected', startedAt, firstDesiredAt: agents.map((a) => a.firstDesiredAt as number) });
}

function collect(): FromWorker {
  return {
    type: 'collected',
    agents: agents.map((a) => ({ name: a.name, markedVersion: a.markedVersion, arrivals: a.arrivals })),
    connected: agents.filter((a) => a.connected).length,
    reconnects: agents.reduce((sum, a) => sum + Math.max(0, a.welcomes - 1), 0),
  };
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'join':
      return joinAll(m);
    case 'connect':
      return connectAll(m.linkUrl);
    case 'mark':
      for (const a of agents) a.mark();
      send({ type: 'marked' });
      return;
    case 'collect':
      send(collect());
      return;
    case 'stop':
      for (const a of agents) a.stop();
      process.disconnect();
      return;
  }
}

process.on('message', (m: ToWorker) => {
  handle(m).catch((err: unknown) =>
    send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
