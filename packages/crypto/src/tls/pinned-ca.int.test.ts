// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer, type Server } from 'node:tls';
import {
  createCertificateAuthority,
  issueServerCertificate,
  type IssuedCertificate,
} from './certificates.js';
import { publicKeyFingerprint } from './fingerprint.js';
import { fetchPinnedCa, PinnedCaError } from './pinned-ca.js';

/** A real TLS server on loopback presenting leaf + CA, as berthd does. */
let ca: IssuedCertificate;
let other: IssuedCertificate;
const servers: Server[] = [];

async function serve(chain: string, key: string): Promise<number> {
  const server = createServer({ cert: chain, key }, (s) => s.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

before(async () => {
  const now = new Date();
  ca = await createCertificateAuthority({ commonName: 'pin test', now, lifetimeMs: 3600_000 });
  other = await createCertificateAuthority({ commonName: 'other', now, lifetimeMs: 3600_000 });
});
after(() => servers.forEach((s) => s.close()));

test('the CA with the pinned key is found in the chain; another pin is refused, naming what was presented', async () => {
  const leaf = await issueServerCertificate({
    ca,
    dnsNames: [],
    ipAddresses: ['127.0.0.1'],
    now: new Date(),
    lifetimeMs: 60_000,
    backdateMs: 0,
  });
  const port = await serve(leaf.certPem + ca.certPem, leaf.keyPem);
  const pin = publicKeyFingerprint(ca.certPem);
  assert.equal(await fetchPinnedCa({ host: '127.0.0.1', port, fingerprint: pin }), ca.certPem);
  await assert.rejects(
    fetchPinnedCa({ host: '127.0.0.1', port, fingerprint: publicKeyFingerprint(other.certPem) }),
    (err: unknown) => err instanceof PinnedCaError && err.kind === 'mismatch' && err.presented[0] === pin,
  );
  // The leaf's own key is not a CA: pinning it finds nothing.
  await assert.rejects(
    fetchPinnedCa({ host: '127.0.0.1', port, fingerprint: publicKeyFingerprint(leaf.certPem) }),
    (err: unknown) => err instanceof PinnedCaError && err.kind === 'mismatch',
  );
});

test('a server that sends no CA certificate cannot match a pin; nothing listening is unreachable', async () => {
  const leaf = await issueServerCertificate({
    ca,
    dnsNames: [],
    ipAddresses: ['127.0.0.1'],
    now: new Date(),
    lifetimeMs: 60_000,
    backdateMs: 0,
  });
  const port = await serve(leaf.certPem, leaf.keyPem);
  await assert.rejects(
    fetchPinnedCa({ host: '127.0.0.1', port, fingerprint: publicKeyFingerprint(ca.certPem) }),
    (err: unknown) => err instanceof PinnedCaError && /presents no CA certificate/.test(err.message),
  );
  await assert.rejects(
    fetchPinnedCa({ host: '127.0.0.1', port: 1, fingerprint: publicKeyFingerprint(ca.certPem) }),
    (err: unknown) => err instanceof PinnedCaError && err.kind === 'unreachable',
  );
});
