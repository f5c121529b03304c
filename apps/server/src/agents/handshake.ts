import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { verifyEd25519 } from '@berth/crypto';
import { parseMeshEndpoint } from '@berth/core';
import { AGENT_PROTOCOL_VERSION, AgentToServer, agentHelloPayload } from '@berth/protocol';
import type { ServerRow, Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { VERSION as BERTHD_VERSION } from '../http/routes/system.js';
import { createId } from '../ids.js';

export interface TrustSettings {
  /** Public key file of the agent `berth up` starts beside berthd: registered on first contact. */
  localAgentKeyFile: string | null;
}

const HELLO_TIMEOUT_MS = 10_000;

/** Close codes of a refused link (4400-4499: the agent's fault, reconnecting as it is will not help). */
export const CLOSE_REFUSED = 4403;
export const CLOSE_WRONG_PROTOCOL = 4426;

export type Identity = {
  serverId: string;
  serverName: string;
  sealingKey: string;
  /** The Ed25519 key the hello proved: every later message of the link is signed with it. */
  publicKey: string;
  /** This connection's challenge nonce: every later message's signature covers it. */
  challenge: string;
};

/**
 * An agent proves it holds its Ed25519 key by signing a fresh nonce. A key berthd knows maps to
 * its server (unless that server was removed); the local agent's key is trusted through a file
 * only root can write; other servers' keys were registered by `berth agent join`. An unknown key
 * that names a live server is recorded as that server's pending key for an admin to approve,
 * and refused until then.
 */
export async function handshake(
  socket: WebSocket,
  store: Store,
  clock: () => number,
  trust: TrustSettings,
  log: FastifyBaseLogger,
  isOnline: (serverId: string) => boolean,
): Promise<Identity | null> {
  const nonce = randomBytes(32).toString('base64url');
  socket.send(JSON.stringify({ type: 'challenge', nonce, protocol: AGENT_PROTOCOL_VERSION }));
  const hello = await nextMessage(socket, HELLO_TIMEOUT_MS);
  const otherProtocol = protocolOf(hello);
  if (otherProtocol !== null && otherProtocol !== AGENT_PROTOCOL_VERSION) {
    log.warn({ protocol: otherProtocol }, 'refused an agent of another protocol version');
    socket.close(
      CLOSE_WRONG_PROTOCOL,
      `agent protocol ${otherProtocol} is not berthd's ${AGENT_PROTOCOL_VERSION}: install berth ${BERTHD_VERSION} on this server`,
    );
    return null;
  }
  const parsed = AgentToServer.safeParse(hello);
  if (!parsed.success || parsed.data.type !== 'hello') {
    socket.close(4400, 'expected hello');
    return null;
  }
  const { publicKey, signature, name, sealingKey } = parsed.data;
  const said = {
    sealingKey,
    agentVersion: parsed.data.agentVersion,
    capacity: parsed.data.capacity ?? null,
    privateIp: parsed.data.privateIp ?? null,
    mesh: parsed.data.mesh ?? null,
  };
  if (
    said.mesh &&
    said.mesh.endpoint !== null &&
    parseMeshEndpoint(said.mesh.endpoint) !== said.mesh.endpoint
  ) {
    socket.close(4400, 'the mesh endpoint is not ip:port');
    return null;
  }
  if (!verifyEd25519(publicKey, agentHelloPayload(nonce), signature)) {
    log.warn({ name }, 'agent signature did not verify');
    socket.close(4401, 'bad signature');
    return null;
  }
  const known = await store.servers.findByPublicKey(publicKey);
  if (known?.state === 'removed') {
    log.warn({ server: known.name }, 'refused the key of a removed server');
    socket.close(
      CLOSE_REFUSED,
      `server ${known.name} was removed: its key is refused (berth servers add makes a new join)`,
    );
    return null;
  }
  if (known) {
    // The sealing key may change (the agent's key file was replaced); the identity key may not.
    await store.servers.recordHello(known.id, said);
    return { serverId: known.id, serverName: known.name, sealingKey, publicKey, challenge: nonce };
  }
  if (trust.localAgentKeyFile && (await readKey(trust.localAgentKeyFile)) === publicKey) {
    const row = { id: createId('srv'), name, publicKey, createdAt: clock(), lastSeenAt: clock(), ...said };
    await store.servers.create(row);
    log.info({ name }, 'registered the local agent');
    return { serverId: row.id, serverName: row.name, sealingKey, publicKey, challenge: nonce };
  }
  const claimed = await store.servers.findByName(name);
  if (claimed) {
    await claimServer(store, clock(), claimed, publicKey, isOnline(claimed.id), log);
    socket.close(
      CLOSE_REFUSED,
      `this key is not server ${name}'s: an admin must run berth servers approve ${name}`,
    );
    return null;
  }
  log.warn({ name }, 'refused an agent with an unknown key');
  socket.close(CLOSE_REFUSED, 'unknown agent key');
  return null;
}

/**
 * A new key claims a live server's name (its data dir was lost, or someone knows the name).
 * The key waits for an admin; the server is paused only when its own key is not connected, so
 * a stranger who merely knows a healthy server's name cannot take it out of placement.
 */
async function claimServer(
  store: Store,
  now: number,
  server: ServerRow,
  publicKey: string,
  online: boolean,
  log: FastifyBaseLogger,
): Promise<void> {
  const pause = !online && (server.state === 'active' || server.state === 'draining');
  // One audit row per new claim, not per reconnect of the same refused agent.
  const fresh = server.pendingPublicKey !== publicKey;
  await store.transaction(async (tx) => {
    await tx.servers.setPendingKey(server.id, publicKey);
    if (pause) await tx.servers.setState(server.id, 'paused');
    if (fresh || pause)
      await tx.audit.append({
        at: now,
        actorKind: 'agent',
        actorId: null,
        actorName: server.name,
        requestId: null,
        action: 'server.claim',
        target: `server:${server.name}`,
        teamId: null,
        outcome: 'denied',
        detail: { paused: pause },
      });
  });
  log.warn(
    { server: server.name, paused: pause },
    'a new key claimed a server: refused until an admin approves it (berth servers approve)',
  );
}

/** The protocol version a hello says, read before the hello's shape (which may differ between versions). */
function protocolOf(hello: unknown): number | null {
  if (typeof hello !== 'object' || hello === null) return null;
  const { type, protocol } = hello as { type?: unknown; protocol?: unknown };
  return type === 'hello' && typeof protocol === 'number' && Number.isInteger(protocol) ? protocol : null;
}

async function readKey(file: string): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

function nextMessage(socket: WebSocket, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      resolve(null);
    }, timeoutMs);
    const onMessage = (data: Buffer): void => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(data.toString('utf8')) as unknown);
      } catch {
        resolve(null);
      }
    };
    socket.once('message', onMessage);
  });
}
