// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { WebSocketServer, type WebSocket } from 'ws';
import { SILENT_LINK_MS, watchLiveness } from './liveness.js';

/**
 * The heartbeat over real WebSockets. The agent's end runs in a worker thread, so it answers
 * pings on its own event loop while this one (berthd's) is blocked on purpose.
 */

const wsModule = createRequire(import.meta.url).resolve('ws');
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const AGENT_END = `
const { workerData, parentPort } = require('node:worker_threads');
const WebSocket = require(workerData.ws);
const socket = new WebSocket(workerData.url, { autoPong: workerData.answers });
socket.on('open', () => parentPort.postMessage('open'));
`;

async function link(answers: boolean): Promise<{ dead: () => number | null }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  const { port } = server.address() as AddressInfo;
  const worker = new Worker(AGENT_END, {
    eval: true,
    workerData: { url: `ws://127.0.0.1:${port}`, ws: wsModule, answers },
  });
  const socket = await accepted;
  let deadAt: number | null = null;
  const started = Date.now();
  const stop = watchLiveness(socket, () => (deadAt = Date.now() - started));
  cleanups.push(async () => {
    stop();
    // The server's close waits for its connections: end them first.
    socket.terminate();
    await worker.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { dead: () => deadAt };
}

test('an agent that answers no ping is ended within seconds', async () => {
  const agent = await link(false);
  const deadline = Date.now() + SILENT_LINK_MS + 5_000;
  while (agent.dead() === null && Date.now() < deadline) await sleep(100);
  const after = agent.dead();
  assert.ok(after !== null, 'the silent link was not ended');
  assert.ok(after >= SILENT_LINK_MS, `ended after ${after} ms, before ${SILENT_LINK_MS} ms of silence`);
});

test('berthd stalled for longer than the silence limit ends no link that kept answering', async () => {
  const agent = await link(true);
  await sleep(2_000);
  // berthd's event loop blocked (a long synchronous stretch), the agent's not.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SILENT_LINK_MS + 1_500);
  await sleep(3_000);
  assert.equal(agent.dead(), null, 'a healthy link was ended because berthd stalled');
});
