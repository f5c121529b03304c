/** The fleet bench's side of its agent worker processes (agent-worker.ts), by pid. */
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const WORKER = fileURLToPath(new URL('./agent-worker.ts', import.meta.url));

export class AgentWorker {
  private readonly waiting = new Map<FromWorker['type'], (m: FromWorker) => void>();
  private failure: Error | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromWorker) => {
      if (m.type === 'failed') {
        this.failure = new Error(`agent worker ${this.pid} failed: ${m.error}`);
        for (const resolve of this.waiting.values()) resolve(m);
        return;
      }
      this.waiting.get(m.type)?.(m);
      this.waiting.delete(m.type);
    });
  }

  static spawn(): AgentWorker {
    return new AgentWorker(fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('agent worker has no pid');
    return this.child.pid;
  }

  /** Sends `m` and resolves with the worker's answer of type `answer`. */
  async ask<T extends FromWorker['type']>(m: ToWorker, answer: T): Promise<Extract<FromWorker, { type: T }>> {
    const reply = new Promise<FromWorker>((resolve) => this.waiting.set(answer, resolve));
    this.child.send(m);
    const got = await reply;
    if (this.failure) throw this.failure;
    return got as Extract<FromWorker, { type: T }>;
  }

  /** Asks it to stop its agents and exit; SIGKILL to its pid after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ToWorker);
    if ((await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)])) === false)
      this.child.kill('SIGKILL');
  }
}
