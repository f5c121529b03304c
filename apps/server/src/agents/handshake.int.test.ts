// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * berthd's side of the agent handshake over a real WebSocket: an agent must sign the nonce with
 * the key it names, and that key must be one berthd trusts. A bad, malformed or foreign
 * signature or key closes the link with its reason, and berthd keeps serving.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  generateEd25519KeyPair,
  generateSealingKeyPair,
  loadEd25519Signer,
  type Ed25519Signer,
} from '@berth/crypto';
import { AGENT_PROTOCOL_VERSION, agentHelloPayload } from '@berth/protocol';
import { WebSocket } from 'ws';
import { parseServerConfig } from '../config.js';
import { startBerthd, type Berthd } from '../server.js';

let dir: string;
let berthd: Berthd;
const local = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
const stranger = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
const sealingKey = generateSealingKeyPair().publicKey;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-handshake-'));
  const keyFile = join(dir, 'identity.pub');
  await writeFile(keyFile, `${local.publicKey}\n`);
  berthd = await startBerthd(
    parseServerConfig({
      BERTHD_DATA_DIR: join(dir, 'data'),
      BERTHD_PORT: '0',
      BERTHD_LOCAL_AGENT_KEY: keyFile,
    }),
    { worker: false },
  );
});
after(async () => {
  await berthd?.close();
  await rm(dir, { recursive: true, force: true });
});

type Hello = (nonce: string) => { publicKey: string; signature: string };

/** Answers berthd's challenge with the hello `make` builds; resolves with how the link went. */
function handshake(make: Hello): Promise<{ welcomed: boolean; closeCode: number | null }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${berthd.url.replace(/^http/, 'ws')}/api/v1/agent/connect`);
    ws.on('error', reject);
    ws.on('close', (code) => resolve({ welcomed: false, closeCode: code }));
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type: string; nonce?: string };
      if (message.type === 'challenge') {
        const hello = make(String(message.nonce));
        const rest = { name: 'edge-1', sealingKey, agentVersion: '0.0.0', protocol: AGENT_PROTOCOL_VERSION };
        ws.send(JSON.stringify({ type: 'hello', ...hello, ...rest }));
      } else if (message.type === 'welcome') {
        ws.removeAllListeners('close');
        ws.close();
        resolve({ welcomed: true, closeCode: null });
      }
    });
  });
}

const signedBy =
  (signer: Ed25519Signer): Hello =>
  (nonce) => ({ publicKey: signer.publicKey, signature: signer.sign(agentHelloPayload(nonce)) });

test('the trusted key signing the nonce is welcomed', async () => {
  assert.deepEqual(await handshake(signedBy(local)), { welcomed: true, closeCode: null });
});

test('a signature that does not verify is refused, whatever is wrong with it', async () => {
  const cases: Hello[] = [
    (nonce) => ({ publicKey: local.publicKey, signature: local.sign(agentHelloPayload(`${nonce}x`)) }),
    (nonce) => ({ publicKey: local.publicKey, signature: stranger.sign(agentHelloPayload(nonce)) }),
    () => ({ publicKey: local.publicKey, signature: 'not base64!' }),
    () => ({ publicKey: local.publicKey, signature: Buffer.alloc(64).toString('base64') }),
    (nonce) => ({ publicKey: 'AAAA', signature: local.sign(agentHelloPayload(nonce)) }),
    (nonce) => ({ publicKey: sealingKey, signature: local.sign(agentHelloPayload(nonce)) }),
  ];
  for (const [i, make] of cases.entries())
    assert.deepEqual(await handshake(make), { welcomed: false, closeCode: 4401 }, `case ${i}`);
});

test('a valid signature by a key berthd does not know is refused', async () => {
  assert.deepEqual(await handshake(signedBy(stranger)), { welcomed: false, closeCode: 4403 });
  assert.deepEqual(await handshake(signedBy(local)), { welcomed: true, closeCode: null }, 'still serving');
});
