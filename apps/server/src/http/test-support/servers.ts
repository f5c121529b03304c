import assert from 'node:assert/strict';
import { generateEd25519KeyPair, generateSealingKeyPair, loadEd25519Signer } from '@berth/crypto';
import { agentJoinPayload, type ServerJoinCommand } from '@berth/protocol';
import { API, type Client } from './http.js';

/** Servers made through the API as an installation owner and a joining agent would make them. */

/** `berth servers add NAME` as `as` (the bootstrap owner by default). */
export async function addServerVia(client: Client, name: string, as?: string): Promise<ServerJoinCommand> {
  const res = await client.send({ method: 'POST', url: `${API}/servers`, body: { name }, token: as });
  assert.equal(res.status, 201, `add server ${name}: ${res.text}`);
  return res.json as ServerJoinCommand;
}

/** The body a new agent sends to POST /agent/join with `token`, signed with a fresh key. */
export function joinBody(token: string): Record<string, unknown> {
  const key = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  return {
    token,
    publicKey: key.publicKey,
    sealingKey: generateSealingKeyPair().publicKey,
    signature: key.sign(agentJoinPayload(token)),
    agentVersion: '0.1.0',
  };
}

/** A server that has joined (its agent not connected); returns its id. */
export async function joinedServerVia(client: Client, name: string, as?: string): Promise<string> {
  const added = await addServerVia(client, name, as);
  const res = await client.send({
    method: 'POST',
    url: `${API}/agent/join`,
    body: joinBody(added.token),
    token: null,
  });
  assert.equal(res.status, 201, `join ${name}: ${res.text}`);
  return (res.json as { serverId: string }).serverId;
}

/** A joined server that a new key has claimed (as the handshake records it). */
export async function claimedServerVia(client: Client, name: string, as?: string): Promise<void> {
  const id = await joinedServerVia(client, name, as);
  const key = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  await client.api.store.servers.setPendingKey(id, key.publicKey);
}
