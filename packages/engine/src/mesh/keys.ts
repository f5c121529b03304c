/**
 * A server's WireGuard key pair. WireGuard keys are raw X25519 keys in base64, so Node's crypto
 * makes them: no child process, and the private key never passes through argv, a pipe or a log.
 * It is written once, 0600 in a 0700 directory; only the public key leaves this module.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileAtomic } from '@berth/io';
import { BerthError } from '@berth/protocol';
import { checkAbsolutePath } from './values.js';

export interface MeshKeyPair {
  publicKey: string;
  /** The file `wg set … private-key FILE` reads. */
  privateKeyFile: string;
}

export const MESH_PRIVATE_KEY_FILE = 'wireguard.key';

/** The DER header of a PKCS#8 X25519 private key; the 32 raw bytes follow it. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const RAW_KEY_BYTES = 32;

function rawPublicKey(privateKey: KeyObject): string {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - RAW_KEY_BYTES).toString('base64');
}

function newPrivateKeyText(): string {
  const { privateKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const raw = der.subarray(der.length - RAW_KEY_BYTES);
  // Clamped like `wg genkey` (X25519 clamps anyway; the file then matches what wg would write).
  raw[0] = (raw[0] ?? 0) & 248;
  raw[31] = ((raw[31] ?? 0) & 127) | 64;
  const text = `${raw.toString('base64')}\n`;
  der.fill(0);
  return text;
}

function publicKeyOf(privateKeyText: string, file: string): string {
  const raw = Buffer.from(privateKeyText.trim(), 'base64');
  if (raw.length !== RAW_KEY_BYTES) {
    throw new BerthError('INTERNAL', `${file} is not a WireGuard private key`, {
      hint: `Move it away; a new key pair is made on the next start (the server then needs its new public key registered).`,
    });
  }
  const der = Buffer.concat([PKCS8_X25519_PREFIX, raw]);
  try {
    return rawPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  } finally {
    raw.fill(0);
    der.fill(0);
  }
}

/**
 * The key pair in `dir`: made on first use, read back afterwards (two processes racing to make
 * it agree on the first one written). A key file readable by others is made private again.
 */
export async function ensureMeshKeyPair(dir: string): Promise<MeshKeyPair> {
  const file = join(checkAbsolutePath(dir), MESH_PRIVATE_KEY_FILE);
  let text = newPrivateKeyText();
  if (!(await createFileAtomic(file, text, { mode: 0o600, dirMode: 0o700 }))) {
    text = await readFile(file, 'utf8');
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  }
  return { publicKey: publicKeyOf(text, file), privateKeyFile: file };
}
