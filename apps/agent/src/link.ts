import { randomBytes } from 'node:crypto';
import {
  AGENT_PROTOCOL_VERSION,
  ServerToAgent,
  agentHelloPayload,
  agentMessagePayload,
  type SignedAgentMessage,
  type AgentToServer,
  type DesiredState,
  type ExecInput,
  type RpcRequest,
  parseJsonOrNull,
} from '@berth/protocol';
import { backoffDelayMs } from '@berth/core';
import { fetchPinnedCa } from '@berth/crypto';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { AgentIdentity } from '@berth/crypto';

/** 0.2 s, 0.4 s … 5 s: berthd restarting is back within a second or two. */
const RECONNECT_BACKOFF = { firstMs: 200, maxMs: 5000 };

export interface LinkHandlers {
  onDesired(state: DesiredState, fresh: boolean): void;
  onConnected(): void;
  onRpc(id: number, request: RpcRequest): void;
  onRpcCancel(id: number): void;
  onRpcInput(id: number, input: ExecInput): void;
}

/** What the hello tells berthd about this server besides who it is (a fleet places replicas by it). */
export interface HelloFacts {
  /** CPU in thousandths, memory in MiB; null: unknown (the engine did not answer). */
  capacity: { cpuMillis: number; memoryMib: number } | null;
  /** Where other servers' edges reach this server's replicas. */
  privateIp: string | null;
  /** The mesh key and endpoint; null: this server is not in the mesh. */
  mesh: { publicKey: string; endpoint: string | null } | null;
}

const NO_FACTS: HelloFacts = { capacity: null, privateIp: null, mesh: null };

/** Where berthd's agent link is, and the CA to trust there (wss:// only). */
export interface LinkTarget {
  url: string;
  /** `sha256:` of berthd's CA key: only a server with a certificate from that CA is spoken to. */
  fingerprint: string | null;
}

/**
 * The agent's outward connection to berthd. It reconnects forever with backoff; while it is
 * down the agent keeps reconciling from its cached desired state. Over wss:// with a pinned
 * fingerprint, the CA is looked up again at every (re)connect (see fetchPinnedCa) and the
 * connection is verified against it, so a server whose CA has another key is never spoken to.
 */
export class Link {
  private socket: WebSocket | null = null;
  private welcomed = false;
  private stopped = false;
  /** Connection attempts that failed since the last welcome. */
  private failures = 0;
  /**
   * Links in a row berthd closed as refused (4400-4499), welcomed or not: a link refused after
   * its welcome (a clock off by minutes) must not make the agent reconnect at full speed.
   */
  private refusals = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  /** This connection's challenge and the seq of its last message: what each message is signed with. */
  private session: { challenge: string; seq: number } | null = null;

  constructor(
    private readonly target: LinkTarget,
    private readonly identity: AgentIdentity,
    private readonly name: string,
    private readonly version: string,
    private readonly handlers: LinkHandlers,
    private readonly log: Logger,
    /** Read again at every (re)connect: the engine may have come up, or the host grown. */
    private readonly facts: () => Promise<HelloFacts> = () => Promise.resolve(NO_FACTS),
  ) {}

  start(): void {
    this.connect();
  }

  get connected(): boolean {
    return this.welcomed && this.socket?.readyState === WebSocket.OPEN;
  }

  /**
   * Sends a message signed for this connection (see checkSignedAgentMessage in @berth/core).
   * `written` runs once the message is handed to the network (not when it is dropped: false).
   */
  send(message: AgentToServer, written?: () => void): boolean {
    if (!this.connected || !this.socket || !this.session) return false;
    this.socket.send(JSON.stringify(this.signed(message, this.session)), () => written?.());
    return true;
  }

  private signed(message: AgentToServer, session: { challenge: string; seq: number }): SignedAgentMessage {
    session.seq += 1;
    const m = {
      challenge: session.challenge,
      body: JSON.stringify(message),
      ts: Date.now(),
      seq: session.seq,
      nonce: randomBytes(16).toString('base64url'),
    };
    const sig = this.identity.sign(agentMessagePayload(m));
    return { type: 'signed', body: m.body, ts: m.ts, seq: m.seq, nonce: m.nonce, sig };
  }

  stop(): void {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.socket?.close(1001, 'agent stopping');
  }

  private connect(): void {
    if (this.stopped) return;
    Promise.all([this.trustedCa(), this.facts().catch(() => NO_FACTS)]).then(
      ([ca, facts]) => this.open(ca, facts),
      (err: unknown) => {
        this.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'cannot reach berthd safely',
        );
        this.reconnectLater();
      },
    );
  }

  private async trustedCa(): Promise<string | undefined> {
    const { url, fingerprint } = this.target;
    if (!fingerprint) return undefined;
    const u = new URL(url);
    return fetchPinnedCa({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : 443,
      fingerprint,
    });
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    this.failures += 1;
    setTimeout(() => this.connect(), backoffDelayMs(this.failures, RECONNECT_BACKOFF));
  }

  private open(ca: string | undefined, facts: HelloFacts): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.target.url, {
      handshakeTimeout: 5000,
      maxPayload: 16 * 1024 * 1024,
      ...(ca && { ca }),
    });
    this.socket = socket;
    this.welcomed = false;
    this.session = null;
    let freshDesired = true;
    socket.on('message', (data: Buffer) => {
      const parsed = ServerToAgent.safeParse(parseJsonOrNull(data.toString('utf8')));
      if (!parsed.success) {
        this.log.warn('ignored a malformed message from berthd');
        return;
      }
      const msg = parsed.data;
      switch (msg.type) {
        case 'challenge':
          this.session = { challenge: msg.nonce, seq: 0 };
          socket.send(
            JSON.stringify({
              type: 'hello',
              name: this.name,
              publicKey: this.identity.publicKey,
              signature: this.identity.sign(agentHelloPayload(msg.nonce)),
              sealingKey: this.identity.sealingKey,
              agentVersion: this.version,
              protocol: AGENT_PROTOCOL_VERSION,
              capacity: facts.capacity,
              privateIp: facts.privateIp,
              mesh: facts.mesh,
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
    socket.on('error', (err) =>
      // A certificate that does not verify is worth saying; a berthd that is not up yet is not.
      /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME/.test((err as NodeJS.ErrnoException).code ?? '')
        ? this.log.warn({ err: err.message }, 'berthd’s certificate did not verify')
        : this.log.debug({ err: err.message }, 'link error'),
    );
    socket.on('close', (code, reason) => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.refusals = code >= 4400 && code < 4500 ? this.refusals + 1 : 0;
      if (this.welcomed) this.failures = this.refusals;
      if (this.welcomed) this.log.warn({ code, reason: reason.toString() }, 'disconnected from berthd');
      this.welcomed = false;
      this.reconnectLater();
    });
  }
}
