/**
 * berthd's side of the agent protocol, for tests: a real WebSocket server that challenges the
 * agent, checks its signed hello and welcomes it, checks every later message's signature with
 * core's rules (closing the link as berthd does), then lets a test push desired states, call
 * the agent and read what it reported. Not berthd: no store, no access checks, only the wire.
 */
import type { AddressInfo } from 'node:net';
import {
  AGENT_PROTOCOL_VERSION,
  AgentToServer,
  agentHelloPayload,
  type AgentReport,
  type DesiredState,
  type RpcRequest,
} from '@berth/protocol';
import { checkSignedAgentMessage, type AgentLinkState } from '@berth/core';
import { ed25519Verifier, verifyEd25519 } from '@berth/crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export interface BerthdSide {
  url: string;
  /** Every message the agent sent, parsed (the bodies of signed ones), in order. */
  received: AgentToServer[];
  /** Resolves once an agent has completed the handshake on a new connection. */
  welcomed(): Promise<void>;
  push(state: DesiredState): void;
  /** Sends an RPC and resolves with its final message (rpc.result, rpc.error or rpc.end). */
  call(request: RpcRequest): Promise<AgentToServer>;
  reports(): AgentReport[];
  close(): Promise<void>;
}

export async function startBerthdSide(): Promise<BerthdSide> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const received: AgentToServer[] = [];
  let current: WebSocket | null = null;
  let onWelcome: (() => void) | null = null;
  let nextId = 1;
  const waiting = new Map<number, (m: AgentToServer) => void>();

  wss.on('connection', (socket) => {
    const nonce = `nonce-${Date.now()}-${Math.random()}`;
    socket.send(JSON.stringify({ type: 'challenge', nonce, protocol: AGENT_PROTOCOL_VERSION }));
    let link: { state: AgentLinkState; verify: (payload: string, sig: string) => boolean } | null = null;
    socket.on('message', (data: Buffer) => {
      let text = data.toString('utf8');
      if (link) {
        const verdict = checkSignedAgentMessage(JSON.parse(text), link.state, Date.now(), link.verify);
        if (!verdict.ok) return socket.close(4401, verdict.detail);
        link.state = verdict.state;
        text = verdict.body;
      }
      const message = AgentToServer.parse(JSON.parse(text));
      received.push(message);
      if (message.type === 'hello') {
        if (!verifyEd25519(message.publicKey, agentHelloPayload(nonce), message.signature))
          return socket.close(4001, 'bad signature');
        link = { state: { challenge: nonce, lastSeq: 0 }, verify: ed25519Verifier(message.publicKey) };
        current = socket;
        socket.send(
          JSON.stringify({ type: 'welcome', serverId: 'srv_aaaaaaaaaaaaaaaaaaaa', serverName: 'test' }),
        );
        onWelcome?.();
        return;
      }
      if (message.type === 'rpc.result' || message.type === 'rpc.error' || message.type === 'rpc.end') {
        waiting.get(message.id)?.(message);
        waiting.delete(message.id);
      }
    });
  });

  const send = (m: unknown): void => {
    if (!current) throw new Error('no agent is connected');
    current.send(JSON.stringify(m));
  };
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/api/v1/agent/connect`,
    received,
    welcomed: () => new Promise<void>((resolve) => (onWelcome = resolve)),
    push: (state) => send({ type: 'desired', state }),
    call(request) {
      const id = nextId++;
      const done = new Promise<AgentToServer>((resolve) => waiting.set(id, resolve));
      send({ type: 'rpc', id, request });
      return done;
    },
    reports: () => received.flatMap((m) => (m.type === 'report' ? [m.report] : [])),
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}
