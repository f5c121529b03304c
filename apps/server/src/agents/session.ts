import {
  BerthError,
  type AgentReport,
  type ExecEvent,
  type ExecInput,
  type ExecParams,
  type LogLine,
  type RpcRequest,
  type ServerToAgent,
} from '@berth/protocol';
import type { WebSocket } from 'ws';

/** One connected agent: its socket, its latest report, and the RPCs in flight to it. */

interface PendingRpc {
  resolve: (value: unknown) => void;
  reject: (error: BerthError) => void;
  onLines?: (lines: LogLine[]) => void;
  onExec?: (event: ExecEvent) => void;
  timer: NodeJS.Timeout | null;
}

export class AgentSession {
  report: AgentReport | null = null;
  private nextRpcId = 1;
  private readonly pending = new Map<number, PendingRpc>();

  constructor(
    readonly serverId: string,
    readonly serverName: string,
    /** The agent's X25519 key: secrets in its desired state are sealed to it. */
    readonly sealingKey: string,
    private readonly socket: WebSocket,
  ) {}

  send(message: ServerToAgent): void {
    this.sendText(JSON.stringify(message));
  }

  /** A message already serialized (a desired state with the fleet's mesh spliced in: fleet-mesh.ts). */
  sendText(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  /** A request/response call; rejects with AGENT_TIMEOUT if no answer comes in time. */
  call(request: RpcRequest, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextRpcId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.send({ type: 'rpc.cancel', id });
        reject(
          new BerthError(
            'AGENT_TIMEOUT',
            `The agent on ${this.serverName} did not answer ${request.method} in time`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ type: 'rpc', id, request });
    });
  }

  /**
   * A streaming call: lines arrive through onLines until the agent ends it (resolving with its
   * result, if it sends one) or the signal aborts (resolving with undefined).
   */
  stream(request: RpcRequest, onLines: (lines: LogLine[]) => void, signal: AbortSignal): Promise<unknown> {
    return this.open(request, { onLines }, signal).done;
  }

  /**
   * An exec session: its events arrive through onEvent, `input` sends stdin, its end and
   * terminal sizes; it resolves with the agent's result. Aborting cancels it on the agent,
   * which closes the command's stdin and the exec connection.
   */
  exec(
    params: ExecParams,
    onEvent: (event: ExecEvent) => void,
    signal: AbortSignal,
  ): { done: Promise<unknown>; input: (input: ExecInput) => void } {
    const { id, done } = this.open({ method: 'exec', params }, { onExec: onEvent }, signal);
    return { done, input: (input) => this.pending.has(id) && this.send({ type: 'rpc.input', id, input }) };
  }

  private open(
    request: RpcRequest,
    handlers: Pick<PendingRpc, 'onLines' | 'onExec'>,
    signal: AbortSignal,
  ): { id: number; done: Promise<unknown> } {
    const id = this.nextRpcId++;
    const done = new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id);
        this.send({ type: 'rpc.cancel', id });
        resolve(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (f: () => void): void => {
        signal.removeEventListener('abort', onAbort);
        f();
      };
      this.pending.set(id, {
        resolve: (value) => finish(() => resolve(value)),
        reject: (e) => finish(() => reject(e)),
        ...handlers,
        timer: null,
      });
      this.send({ type: 'rpc', id, request });
    });
    return { id, done };
  }

  settle(id: number, outcome: { result: unknown } | { error: BerthError }): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.result);
  }

  lines(id: number, lines: LogLine[]): void {
    this.pending.get(id)?.onLines?.(lines);
  }

  execEvent(id: number, event: ExecEvent): void {
    this.pending.get(id)?.onExec?.(event);
  }

  /** The link dropped: everything in flight fails with a retryable error. */
  abandon(): void {
    for (const [id, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new BerthError('AGENT_UNAVAILABLE', `The agent on ${this.serverName} disconnected`));
      this.pending.delete(id);
    }
  }
}
