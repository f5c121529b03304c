/**
 * The certificate endpoint on its own (what Caddy's manager asks) and behind a real Caddy 2.6
 * running the static TLS edge: the file's certificates are what handshakes get, a rewrite is what
 * the next handshake gets, and without the secret nothing is handed out.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTlsEdge, type TlsEdge } from '../caddy/test-support/tls-edge.js';
import { handshake, servedSerial } from '../../../../../test/support/tls-edge.js';
import { startCertificateEndpoint, type CertificateEndpoint } from './endpoint.js';
import { CERTIFICATE_TABLE_FILE, createCertificateTableReader, writeCertificateTable } from './table-file.js';
import type { EdgeCertificate } from './table.js';

let dir = '';
let path = '';
let endpoint: CertificateEndpoint;
let edge: TlsEdge;
const secret = randomBytes(32).toString('base64url');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-edge-certs-'));
  path = join(dir, CERTIFICATE_TABLE_FILE);
  const reader = createCertificateTableReader(path);
  endpoint = await startCertificateEndpoint({ table: () => reader.current(), secret });
  edge = await startTlsEdge({ certificates: endpoint });
});
after(async () => {
  await edge?.stop();
  await endpoint?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function issue(...names: string[]): Promise<EdgeCertificate & { serial: string }> {
  const leaf = await edge.pki.issue(names);
  return { names, chainPem: leaf.certPem, keyPem: leaf.keyPem, serial: leaf.serial.toLowerCase() };
}

const get = async (url: string): Promise<{ status: number; body: string }> => {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
};

test('the endpoint hands out a name’s chain and key with the secret only, and nothing for other names', async () => {
  const shop = await issue('shop.example.com');
  await writeCertificateTable(path, { certificates: [shop] });
  const answer = await get(`${endpoint.certificateUrl}?server_name=Shop.Example.com`);
  assert.equal(answer.status, 200);
  assert.ok(answer.body.includes(shop.chainPem.trim()) && answer.body.includes(shop.keyPem.trim()));
  assert.equal((await get(`${endpoint.certificateUrl}?server_name=other.example.com`)).status, 404);
  assert.equal((await get(`${endpoint.askUrl}?domain=shop.example.com`)).status, 200);
  assert.equal((await get(`${endpoint.askUrl}?domain=other.example.com`)).status, 404);
  const guessed = endpoint.certificateUrl.replace(secret, randomBytes(32).toString('base64url'));
  assert.equal((await get(`${guessed}?server_name=shop.example.com`)).status, 404);
  const port = new URL(endpoint.certificateUrl).port;
  assert.equal((await get(`http://127.0.0.1:${port}/certificate?server_name=shop.example.com`)).status, 404);
});

test('behind Caddy: a handshake gets the file’s certificate, a wildcard one label up, and a rewrite at the next handshake', async () => {
  const first = await issue('shop.example.com');
  const wildcard = await issue('*.apps.example.com');
  await writeCertificateTable(path, { certificates: [first, wildcard] });
  assert.equal(await servedSerial(edge.httpsPort, 'shop.example.com', edge.pki.caPem), first.serial);
  assert.equal(await servedSerial(edge.httpsPort, 'SHOP.example.com', edge.pki.caPem), first.serial);
  assert.equal(await servedSerial(edge.httpsPort, 'web.apps.example.com', edge.pki.caPem), wildcard.serial);
  const renewed = await issue('shop.example.com');
  await writeCertificateTable(path, { certificates: [renewed, wildcard] });
  assert.equal(await servedSerial(edge.httpsPort, 'shop.example.com', edge.pki.caPem), renewed.serial);
  // A name the file has no certificate for gets none: the handshake fails, nothing else is served.
  await assert.rejects(handshake(edge.httpsPort, 'unknown.example.com', edge.pki.caPem), (err: Error) =>
    /alert|internal error|socket hang up|ECONNRESET/i.test(err.message),
  );
  // Caddy never tried to get one on its own.
  assert.equal(edge.acmeSink.requests.length, 0);
});
