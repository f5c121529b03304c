import { LABELS } from '@berth/core';
import type { ContainerDetails, ContainerEngine, ExecSession } from '@berth/engine';
import {
  BerthError,
  type ExecEvent,
  type ExecInput,
  type ExecParams,
  type ExecResult,
} from '@berth/protocol';

/**
 * `berth exec` on this server: a command in one running replica of the app berthd names. Only
 * containers this agent labelled for that app are candidates, so nothing else on the server can
 * be reached, whatever the caller asks; the engine runs the command inside that container.
 */

export interface ExecDeps {
  engine: ContainerEngine;
  agentId: string;
}

/** The replica to run in: the given slot (or the lowest), its newest container during a rollout. */
export function pickReplica(
  containers: readonly ContainerDetails[],
  slot: number | null,
): ContainerDetails | null {
  const running = containers
    .map((c) => ({ c, slot: Number(c.labels[LABELS.slot]) }))
    .filter((x) => x.c.status === 'running' && Number.isInteger(x.slot) && x.slot >= 1);
  const wanted = slot ?? Math.min(...running.map((x) => x.slot));
  const inSlot = running.filter((x) => x.slot === wanted).map((x) => x.c);
  return inSlot.sort((a, b) => (b.startedAtMs ?? 0) - (a.startedAtMs ?? 0))[0] ?? null;
}

/** A session's input, in order: each write waits for the one before it. */
export class ExecInputs {
  private session: ExecSession | null = null;
  private early: ExecInput[] = [];
  private chain: Promise<void> = Promise.resolve();

  push(input: ExecInput): void {
    if (!this.session) {
      this.early.push(input);
      return;
    }
    const session = this.session;
    this.chain = this.chain.then(() => apply(session, input)).catch(() => undefined);
  }

  attach(session: ExecSession): void {
    this.session = session;
    for (const input of this.early.splice(0)) this.push(input);
  }
}

async function apply(session: ExecSession, input: ExecInput): Promise<void> {
  switch (input.kind) {
    case 'data':
      return session.write(Buffer.from(input.data, 'base64'));
    case 'eof':
      return session.closeInput();
    case 'resize':
      return session.resize(input.cols, input.rows);
  }
}

export async function runExec(
  deps: ExecDeps,
  params: ExecParams,
  inputs: ExecInputs,
  send: (event: ExecEvent) => Promise<void>,
  signal: AbortSignal,
): Promise<ExecResult> {
  const containers = await deps.engine.list({ [LABELS.agent]: deps.agentId, [LABELS.app]: params.appId });
  const replica = pickReplica(containers, params.replica);
  if (!replica) {
    throw new BerthError(
      'REPLICA_NOT_FOUND',
      params.replica === null
        ? 'The app has no running replica to run the command in'
        : `The app has no running replica ${params.replica}`,
    );
  }
  signal.throwIfAborted();
  const session = await deps.engine.exec(replica.id, { cmd: params.cmd, tty: params.tty, size: params.size });
  const close = (): void => void session.close().catch(() => undefined);
  signal.addEventListener('abort', close, { once: true });
  try {
    await send({ kind: 'started', replica: replica.name });
    inputs.attach(session);
    for await (const o of session.output) {
      await send({ kind: 'output', stream: o.stream, data: o.data.toString('base64') });
    }
    signal.throwIfAborted();
    return { replica: replica.name, exitCode: await session.exitCode() };
  } finally {
    signal.removeEventListener('abort', close);
    await session.close().catch(() => undefined);
  }
}
