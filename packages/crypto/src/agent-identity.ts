import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileAtomic, writeFileAtomic } from '@berth/io';
import { openSealed, sealingPublicKeyOf, generateSealingKeyPair } from './sealing.js';
import { generateEd25519KeyPair, loadEd25519Signer, type Ed25519Signer } from './signing/ed25519.js';

const KEY_FILE = { mode: 0o600, dirMode: 0o700 };

/**
 * The agent's identity: an Ed25519 key made on first start (or by `berth agent join`, which
 * sends its public half to berthd) and kept 0600 in its data dir. berthd knows the agent by the
 * public key; the private key never leaves the server.
 */
export interface AgentIdentity {
  /** SPKI DER, base64: what berthd stores. */
  publicKey: string;
  /**
   * Labels the containers (and names the firewall table) this agent owns: the fingerprint of its
   * first key, kept in `agent.id`, so a server whose key is replaced (and approved) still owns
   * the replicas it runs. A whole lost data dir starts a new id.
   */
  id: string;
  sign(payload: string): string;
  /** X25519 public key (SPKI DER, base64): berthd seals secrets to it. */
  sealingKey: string;
  /** Opens a secret berthd sealed for this agent. */
  openSecret(sealed: string, aad: string): string;
}

export async function loadOrCreateIdentity(dataDir: string): Promise<AgentIdentity> {
  const keyFile = join(dataDir, 'identity.key');
  let signer: Ed25519Signer;
  try {
    signer = loadEd25519Signer(await readFile(keyFile, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // Never replaces a key another start made meanwhile: berthd may already know that one.
    await createFileAtomic(keyFile, generateEd25519KeyPair().privateKeyPem, KEY_FILE);
    signer = loadEd25519Signer(await readFile(keyFile, 'utf8'));
  }
  const publicKey = signer.publicKey;
  // berthd trusts the local agent through this file; written every start so it always matches the key.
  await writeFileAtomic(join(dataDir, 'identity.pub'), `${publicKey}\n`, { mode: 0o644 });
  const sealing = await loadOrCreateSealingKey(join(dataDir, 'sealing.key'));
  const id = await loadOrCreateAgentId(
    join(dataDir, 'agent.id'),
    createHash('sha256').update(publicKey).digest('hex').slice(0, 16),
  );
  return {
    publicKey,
    id,
    sign: (payload) => signer.sign(payload),
    sealingKey: sealing.publicKey,
    openSecret: (sealed, aad) => openSealed(sealing.privateKeyPem, sealed, aad),
  };
}

const AGENT_ID = /^[0-9a-f]{16}$/;

async function loadOrCreateAgentId(file: string, fresh: string): Promise<string> {
  const stored = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (AGENT_ID.test(stored)) return stored;
  // Never replaces an id another start wrote meanwhile: its containers carry it.
  if (await createFileAtomic(file, `${fresh}\n`, { mode: 0o644, dirMode: 0o700 })) return fresh;
  const raced = (await readFile(file, 'utf8')).trim();
  if (!AGENT_ID.test(raced)) throw new Error(`${file} does not hold an agent id; remove it to make one`);
  return raced;
}

/** The X25519 key secrets are sealed to; made on first start, kept 0600 beside the identity key. */
async function loadOrCreateSealingKey(file: string): Promise<{ publicKey: string; privateKeyPem: string }> {
  try {
    const privateKeyPem = await readFile(file, 'utf8');
    return { publicKey: sealingPublicKeyOf(privateKeyPem), privateKeyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = generateSealingKeyPair();
  if (await createFileAtomic(file, pair.privateKeyPem, KEY_FILE)) return pair;
  return loadOrCreateSealingKey(file);
}
