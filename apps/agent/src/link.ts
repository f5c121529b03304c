import {
  AGENT_PROTOCOL_VERSION,
  ServerToAgent,
  agentHelloPayload,
  type AgentToServer,
  type DesiredState,
  type ExecInput,
  type RpcRequest,
} from '@berth/protocol';
import { backoffDelayMs } from '@berth/core';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { AgentIdentity } from './identity.js';

/** 0.2 s, 0.4 s … 5 s: berthd restarting is back within a second or two. */
const RECONNECT_BACKOFF = { firstMs: 200, maxMs: 5000 };

export interface LinkHandlers {
  onDesired(state: DesiredState, fresh: boolean): void;
  onConnected(): void;
  onRpc(id: number, request: RpcRequest): void;
  onRpcCancel(id: number): void;
  onRpcInput(id: number, input: ExecInput): void;
}

/**
 * The agent's outward connection to berthd. It reconnects forever with backoff; while it is
 * down the agent keeps reconciling from its cached desired state.
 */
export class Link {
  private socket: WebSocket | null = null;
  private welcomed = false;
  private stopped = false;
  /** Connection attempts that failed since the last welcome. */
  private failures = 0;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly identity: AgentIdentity,
    private readonly name: string,
    private readonly version: string,
    private readonly handlers: LinkHandlers,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.connect();
  }

  get connected(): boolean {
    return this.welcomed && this.socket?.readyState === WebSocket.OPEN;
  }

  /** `written` runs once the message is handed to the network (not when it is dropped: false). */
  send(message: AgentToServer, written?: () => void): boolean {
    if (!this.connected || !this.socket) return false;
    this.socket.send(JSON.stringify(message), () => written?.());
    return true;
  }

  stop(): void {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.socket?.close(1001, 'agent stopping');
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.url, { handshakeTimeout: 5000, maxPayload: 16 * 1024 * 1024 });
    this.socket = socket;
    this.welcomed = false;
    let freshDesired = true;
    socket.on('message', (data: Buffer) => {
      const parsed = ServerToAgent.safeParse(safeJson(data.toString('utf8')));
      if (!parsed.success) {
        this.log.warn('ignored a malformed message from berthd');
        return;
      }
      const msg = parsed.data;
      switch (msg.type) {
        case 'challenge':
          socket.send(
            JSON.stringify({
              type: 'hello',
              name: this.name,
              publicKey: this.identity.publicKey,
              signature: this.identity.sign(agentHelloPayload(msg.nonce)),
              sealingKey: this.identity.sealingKey,
              agentVersion: this.version,
              protocol: AGENT_PROTOCOL_VERSION,
            } satisfies AgentToServer),
          );
          return;
        case 'welcome':
          this.welcomed = true;
          this.failures = 0;
          this.log.info({ server: msg.serverName }, 'connected to berthd');
          this.handlers.onConnected();
          return;
        case 'desired':
          this.handlers.onDesired(msg.state, freshDesired);
          freshDesired = false;
          return;
        case 'rpc':
          this.handlers.onRpc(msg.id, msg.request);
          return;
        case 'rpc.cancel':
          this.handlers.onRpcCancel(msg.id);
          return;
        case 'rpc.input':
          this.handlers.onRpcInput(msg.id, msg.input);
          return;
      }
    });
    socket.on('open', () => {
      this.heartbeat = setInterval(() => socket.ping(), 10_000);
    });
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'link error'));
    socket.on('close', (code, reason) => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      if (this.welcomed) this.log.warn({ code, reason: reason.toString() }, 'disconnected from berthd');
      this.welcomed = false;
      if (this.stopped) return;
      this.failures += 1;
      setTimeout(() => this.connect(), backoffDelayMs(this.failures, RECONNECT_BACKOFF));
    });
  }
}

const safeJson = (raw: string): unknown => {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
};
