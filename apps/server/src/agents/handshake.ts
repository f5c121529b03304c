import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { verifyEd25519 } from '@berth/crypto';
import { AGENT_PROTOCOL_VERSION, AgentToServer, agentHelloPayload } from '@berth/protocol';
import type { Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { createId } from '../ids.js';

export interface TrustSettings {
  /** Public key file of the agent `berth up` starts beside berthd: registered on first contact. */
  localAgentKeyFile: string | null;
}

const HELLO_TIMEOUT_MS = 10_000;

/**
 * An agent proves it holds its Ed25519 key by signing a fresh nonce. A key berthd knows maps to
 * its server; the local agent's key is trusted through a file only root can write. Anything
 * else is refused (registration tokens for other servers come with the fleet).
 */
export async function handshake(
  socket: WebSocket,
  store: Store,
  clock: () => number,
  trust: TrustSettings,
  log: FastifyBaseLogger,
): Promise<{ serverId: string; serverName: string; sealingKey: string } | null> {
  const nonce = randomBytes(32).toString('base64url');
  socket.send(JSON.stringify({ type: 'challenge', nonce, protocol: AGENT_PROTOCOL_VERSION }));
  const hello = await nextMessage(socket, HELLO_TIMEOUT_MS);
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
  };
  if (!verifyEd25519(publicKey, agentHelloPayload(nonce), signature)) {
    log.warn({ name }, 'agent signature did not verify');
    socket.close(4401, 'bad signature');
    return null;
  }
  const known = await store.servers.findByPublicKey(publicKey);
  if (known) {
    // The sealing key may change (the agent's key file was replaced); the identity key may not.
    await store.servers.recordHello(known.id, said);
    return { serverId: known.id, serverName: known.name, sealingKey };
  }
  if (trust.localAgentKeyFile && (await readKey(trust.localAgentKeyFile)) === publicKey) {
    const row = { id: createId('srv'), name, publicKey, createdAt: clock(), lastSeenAt: clock(), ...said };
    await store.servers.create(row);
    log.info({ name }, 'registered the local agent');
    return { serverId: row.id, serverName: row.name, sealingKey };
  }
  log.warn({ name }, 'refused an agent with an unknown key');
  socket.close(4403, 'unknown agent key');
  return null;
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
