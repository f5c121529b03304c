import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

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
}

export async function loadOrCreateIdentity(dataDir: string): Promise<AgentIdentity> {
  const keyFile = join(dataDir, 'identity.key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(await readFile(keyFile, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    privateKey = generateKeyPairSync('ed25519').privateKey;
    await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
    await writeFile(`${keyFile}.tmp`, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await rename(`${keyFile}.tmp`, keyFile);
  }
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  // berthd trusts the local agent through this file; written every start so it always matches the key.
  await writeFile(join(dataDir, 'identity.pub'), `${publicKey}\n`, { mode: 0o644 });
  return {
    publicKey,
    id: createHash('sha256').update(publicKey).digest('hex').slice(0, 16),
    sign: (payload) => sign(null, Buffer.from(payload), privateKey).toString('base64'),
  };
}
