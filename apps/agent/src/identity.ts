import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSealingKeyPair, openSealed } from '@berth/crypto';
import { createFileAtomic, writeFileAtomic } from '@berth/io';

const KEY_FILE = { mode: 0o600, dirMode: 0o700 };

/**
 * The agent's identity: an Ed25519 key made on first start and kept 0600 in its data dir. berthd
 * knows the agent by the public key; the private key never leaves the server.
 */
export interface AgentIdentity {
  /** SPKI DER, base64: what berthd stores. */
  publicKey: string;
  /** Short fingerprint of the public key; labels the containers this agent owns. */
  id: string;
  sign(payload: string): string;
  /** X25519 public key (SPKI DER, base64): berthd seals secrets to it. */
  sealingKey: string;
  /** Opens a secret berthd sealed for this agent. */
  openSecret(sealed: string, aad: string): string;
}

export async function loadOrCreateIdentity(dataDir: string): Promise<AgentIdentity> {
  const keyFile = join(dataDir, 'identity.key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(await readFile(keyFile, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const made = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    // Never replaces a key another start made meanwhile: berthd may already know that one.
    await createFileAtomic(keyFile, made, KEY_FILE);
    privateKey = createPrivateKey(await readFile(keyFile, 'utf8'));
  }
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  // berthd trusts the local agent through this file; written every start so it always matches the key.
  await writeFileAtomic(join(dataDir, 'identity.pub'), `${publicKey}\n`, { mode: 0o644 });
  const sealing = await loadOrCreateSealingKey(join(dataDir, 'sealing.key'));
  return {
    publicKey,
    id: createHash('sha256').update(publicKey).digest('hex').slice(0, 16),
    sign: (payload) => sign(null, Buffer.from(payload), privateKey).toString('base64'),
    sealingKey: sealing.publicKey,
    openSecret: (sealed, aad) => openSealed(sealing.privateKeyPem, sealed, aad),
  };
}

/** The X25519 key secrets are sealed to; made on first start, kept 0600 beside the identity key. */
async function loadOrCreateSealingKey(file: string): Promise<{ publicKey: string; privateKeyPem: string }> {
  try {
    const privateKeyPem = await readFile(file, 'utf8');
    const publicKey = createPublicKey(privateKeyPem)
      .export({ type: 'spki', format: 'der' })
      .toString('base64');
    return { publicKey, privateKeyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = generateSealingKeyPair();
  if (await createFileAtomic(file, pair.privateKeyPem, KEY_FILE)) return pair;
  return loadOrCreateSealingKey(file);
}
