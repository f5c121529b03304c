/**
 * berthd beyond loopback, over real TCP and TLS: HTTPS on its address with a certificate from
 * its own CA, plain HTTP only at 127.0.0.1 of the same port, clients that pin the CA's key
 * (and only them), a serving certificate renewed under a running client, the CA kept across
 * restarts, and an operator's certificate verified like any publicly trusted one. 127.0.0.2
 * stands for a network address: any address but 127.0.0.1 and ::1 is served as one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ApiError, createClient } from '@berth/client';
import { createCertificateAuthority, issueServerCertificate, publicKeyFingerprint } from '@berth/crypto';
import { parseServerConfig } from '../config.js';
import { startBerthd, type Berthd } from '../server.js';

const HOST = '127.0.0.2';
const LIFETIME_MS = 5_000;
let dataDir: string;
let berthd: Berthd;
let token: string;

const start = (env: Record<string, string> = {}): Promise<Berthd> =>
  startBerthd(
    parseServerConfig({
      BERTHD_DATA_DIR: dataDir,
      BERTHD_HOST: HOST,
      BERTHD_PORT: '0',
      BERTHD_TLS_CERT_LIFETIME_MS: String(LIFETIME_MS),
      BERTHD_PUBLIC_URL: 'https://berth.example.com',
      ...env,
    }),
    { worker: false },
  );

const portOf = (b: Berthd): number => Number(new URL(b.url).port);

/** What a plain-HTTP GET of the health route answers at host:port. */
function plainGet(host: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/api/v1/health' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The serial of the certificate served at host:port now (read without trusting it). */
function servedSerial(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'berth-tls-'));
  berthd = await start();
  token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
});
after(async () => {
  await berthd?.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('the internal CA is made once, its key 0600 beside master.key; berthd says its fingerprint', async () => {
  assert.equal((await stat(join(dataDir, 'ca.key'))).mode & 0o777, 0o600);
  const caPem = await readFile(join(dataDir, 'ca.crt'), 'utf8');
  assert.equal(berthd.caFingerprint, publicKeyFingerprint(caPem));
  assert.match(berthd.url, /^https:\/\/127\.0\.0\.2:\d+$/);
});

test('a client that pins the CA is served; a wrong pin or no pin is refused before any request', async () => {
  const me = await createClient({ url: berthd.url, token, fingerprint: berthd.caFingerprint }).whoami();
  assert.equal(me.kind, 'token');
  const wrong = `sha256:${'0'.repeat(64)}`;
  await assert.rejects(
    createClient({ url: berthd.url, token, fingerprint: wrong }).whoami(),
    (err: unknown) =>
      err instanceof ApiError &&
      err.code === 'UNTRUSTED' &&
      err.message.includes(berthd.caFingerprint ?? '?'),
  );
  await assert.rejects(
    createClient({ url: berthd.url, token }).whoami(),
    (err: unknown) =>
      err instanceof ApiError && err.code === 'UNTRUSTED' && /did not verify/.test(err.message),
  );
});

test('plain HTTP is refused at the network address and served at 127.0.0.1, which speaks TLS too', async () => {
  const port = portOf(berthd);
  const refused = await plainGet(HOST, port);
  assert.equal(refused.status, 400);
  const problem = JSON.parse(refused.body) as { code: string; hint: string };
  assert.equal(problem.code, 'TLS_REQUIRED');
  assert.match(problem.hint, /https:\/\/berth\.example\.com/);
  assert.equal((await plainGet('127.0.0.1', port)).status, 200);
  const overTls = createClient({
    url: `https://127.0.0.1:${port}`,
    token,
    fingerprint: berthd.caFingerprint,
  });
  assert.equal((await overTls.whoami()).kind, 'token');
});

test('the serving certificate is renewed before it expires; a pinned client goes on without noticing', async () => {
  const port = portOf(berthd);
  const client = createClient({ url: berthd.url, token, fingerprint: berthd.caFingerprint });
  await client.whoami();
  const first = await servedSerial(HOST, port);
  const deadline = Date.now() + LIFETIME_MS;
  let now = first;
  while (now === first && Date.now() < deadline) {
    await sleep(100);
    now = await servedSerial(HOST, port);
  }
  assert.notEqual(now, first, 'a new certificate within its predecessor’s lifetime');
  assert.equal((await client.whoami()).kind, 'token');
  const fresh = createClient({ url: berthd.url, token, fingerprint: berthd.caFingerprint });
  assert.equal((await fresh.whoami()).kind, 'token');
});

test('a restart keeps the CA, so every pin stays valid', async () => {
  const pinned = berthd.caFingerprint;
  await berthd.close();
  berthd = await start();
  assert.equal(berthd.caFingerprint, pinned);
  assert.equal((await createClient({ url: berthd.url, token, fingerprint: pinned }).health()).status, 'ok');
});

test("an operator's certificate is served as it is and verifies against the CAs a client trusts", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-given-'));
  const now = new Date();
  const ca = await createCertificateAuthority({ commonName: 'Public-ish CA', now, lifetimeMs: 3600_000 });
  const leaf = await issueServerCertificate({
    ca,
    dnsNames: [],
    ipAddresses: [HOST],
    now,
    lifetimeMs: 3600_000,
    backdateMs: 0,
  });
  await writeFile(join(dir, 'ca.pem'), ca.certPem);
  await writeFile(join(dir, 'cert.pem'), leaf.certPem);
  await writeFile(join(dir, 'key.pem'), leaf.keyPem, { mode: 0o600 });
  await berthd.close();
  berthd = await start({ BERTHD_TLS_CERT: join(dir, 'cert.pem'), BERTHD_TLS_KEY: join(dir, 'key.pem') });
  try {
    assert.equal(berthd.caFingerprint, null);
    // A process that trusts that CA as a system CA (NODE_EXTRA_CA_CERTS) reaches it with plain fetch.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '-e',
        `fetch(${JSON.stringify(`${berthd.url}/api/v1/health`)}).then((r) => r.text()).then(console.log)`,
      ],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') } },
    );
    assert.match(stdout, /"status":"ok"/);
    await assert.rejects(
      createClient({ url: berthd.url, token }).health(),
      (err: unknown) => err instanceof ApiError && err.code === 'UNTRUSTED',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
