import { LABELS } from '@berth/core';
import type { ContainerEngine } from '@berth/engine';
import type { BuildExecutor } from './build/executor.js';
import {
  BerthError,
  type AgentToServer,
  type ImagesBootstrapRequest,
  type ImagesBootstrapResult,
  type LogLine,
  type LogsParams,
  type RpcRequest,
} from '@berth/protocol';

/** Base images on this server (`berth images bootstrap`), progress to onLine. */
export type BaseImageBootstrapper = (
  request: ImagesBootstrapRequest,
  onLine: (line: string) => void,
  signal: AbortSignal,
) => Promise<ImagesBootstrapResult>;

/** Calls berthd makes on this agent: resolve an image, stream an app's logs, build, bootstrap. */
/**
 * One call in flight. `cancel` is berthd asking to stop it; `detach` is its connection gone (a
 * new one replaced it, with RPC ids of its own): a detached call sends nothing more, and a build
 * it was watching keeps running for berthd to re-attach to.
 */
type Send = (m: AgentToServer) => void;

interface RunningCall {
  cancel: AbortController;
  detach: AbortController;
}

export class RpcHandler {
  private readonly running = new Map<number, RunningCall>();

  constructor(
    private readonly engine: ContainerEngine,
    private readonly agentId: string,
    private readonly out: (m: AgentToServer) => void,
    private readonly builds: BuildExecutor,
    private readonly bootstrap: BaseImageBootstrapper,
  ) {}

  /** Streams progress lines of a long call as rpc.chunk messages. */
  private lineSender(send: Send, id: number, replica: string): (line: string) => void {
    return (line) =>
      send({
        type: 'rpc.chunk',
        id,
        lines: [{ at: new Date().toISOString(), replica, stream: 'stdout', line }],
      });
  }

  handle(id: number, request: RpcRequest): void {
    const call: RunningCall = { cancel: new AbortController(), detach: new AbortController() };
    this.running.set(id, call);
    const send = (m: AgentToServer): void => {
      if (!call.detach.signal.aborted) this.out(m);
    };
    const stopped = AbortSignal.any([call.cancel.signal, call.detach.signal]);
    this.dispatch(id, request, { send, stopped, cancel: call.cancel.signal })
      .catch((err: unknown) => {
        const e =
          err instanceof BerthError
            ? err
            : new BerthError('INTERNAL', err instanceof Error ? err.message : String(err));
        if (!stopped.aborted)
          send({ type: 'rpc.error', id, error: { code: e.code, message: e.message, logs: e.logs } });
      })
      .finally(() => {
        if (this.running.get(id) === call) this.running.delete(id);
      });
  }

  cancel(id: number): void {
    this.running.get(id)?.cancel.abort();
  }

  /** The link to berthd was replaced: calls of the old one stop sending (builds keep building). */
  detachAll(): void {
    for (const call of this.running.values()) call.detach.abort();
    this.running.clear();
  }

  private async dispatch(
    id: number,
    request: RpcRequest,
    {
      send,
      stopped,
      cancel,
    }: { send: (m: AgentToServer) => void; stopped: AbortSignal; cancel: AbortSignal },
  ): Promise<void> {
    const signal = stopped;
    switch (request.method) {
      case 'image.resolve': {
        const result = await this.engine.resolveImage(request.params.ref);
        send({ type: 'rpc.result', id, result });
        return;
      }
      case 'logs':
        await this.streamLogs(send, id, request.params, signal);
        if (!signal.aborted) send({ type: 'rpc.end', id });
        return;
      case 'build': {
        // Only berthd's cancel stops a build; a lost connection just stops this call watching it.
        const result = await this.builds.run(
          request.params,
          this.lineSender(send, id, 'build'),
          cancel,
          signal,
        );
        send({ type: 'rpc.result', id, result });
        return;
      }
      case 'images.bootstrap': {
        const result = await this.bootstrap(request.params, this.lineSender(send, id, 'bootstrap'), signal);
        send({ type: 'rpc.result', id, result });
        return;
      }
    }
  }

  /**
   * The last `tail` lines of each replica, merged by time; with follow, then live lines, picking
   * up replicas that start later (a deploy during `logs --follow` shows the new ones too).
   */
  private async streamLogs(send: Send, id: number, params: LogsParams, signal: AbortSignal): Promise<void> {
    const labels = { [LABELS.agent]: this.agentId, [LABELS.app]: params.appId };
    const containers = await this.engine.list(labels);
    const history = await Promise.all(
      containers.map(async (c) => {
        const lines: LogLine[] = [];
        for await (const l of this.engine.logs(c.id, { tail: params.tail, follow: false, signal })) {
          lines.push({ at: l.at, replica: c.name, stream: l.stream, line: l.line });
        }
        return lines;
      }),
    );
    const merged = history.flat().sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    for (let i = 0; i < merged.length; i += 500)
      send({ type: 'rpc.chunk', id, lines: merged.slice(i, i + 500) });
    if (!params.follow) return;
    await this.follow(
      send,
      id,
      labels,
      new Set(containers.map((c) => c.id)),
      signal,
      new Set(containers.filter((c) => c.status === 'running').map((c) => c.id)),
    );
  }

  private async follow(
    send: Send,
    id: number,
    labels: Record<string, string>,
    known: Set<string>,
    signal: AbortSignal,
    attachNow: Set<string>,
  ): Promise<void> {
    const attached = new Set<string>();
    const streams: Promise<void>[] = [];
    const attach = (containerId: string, name: string, tail: number): void => {
      attached.add(containerId);
      streams.push(
        (async () => {
          // tail 0 would replay nothing; a replica that started after we listed it has all its lines new.
          for await (const l of this.engine.logs(containerId, { tail, follow: true, signal })) {
            send({
              type: 'rpc.chunk',
              id,
              lines: [{ at: l.at, replica: name, stream: l.stream, line: l.line }],
            });
          }
        })().catch(() => undefined),
      );
    };
    const all = await this.engine.list(labels);
    for (const c of all) if (attachNow.has(c.id)) attach(c.id, c.name, 0);
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, 1000));
      for (const c of await this.engine.list(labels).catch(() => [])) {
        if (attached.has(c.id) || c.status !== 'running') continue;
        attach(c.id, c.name, known.has(c.id) ? 0 : 10_000);
        known.add(c.id);
      }
    }
    await Promise.allSettled(streams);
  }
}
