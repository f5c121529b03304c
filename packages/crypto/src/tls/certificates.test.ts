import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { createCertificateAuthority, issueServerCertificate } from './certificates.js';
import { parseCaFingerprint, publicKeyFingerprint } from './fingerprint.js';

const DAY = 24 * 3600_000;

test('fingerprints are sha256: and 64 hex digits, read in any case, written in lowercase', () => {
  const hex = 'AB'.repeat(32);
  assert.equal(parseCaFingerprint(`sha256:${hex}`), `sha256:${hex.toLowerCase()}`);
  assert.equal(parseCaFingerprint(`  SHA256:${hex}\n`), `sha256:${hex.toLowerCase()}`);
  for (const bad of [
    hex,
    `sha256:${hex.slice(2)}`,
    `sha1:${hex}`,
    `sha256:${'AB:'.repeat(31)}AB`,
    `sha256:${'g'.repeat(64)}`,
  ])
    assert.throws(
      () => parseCaFingerprint(bad, 'BERTH_FINGERPRINT'),
      (err: unknown) =>
        err instanceof BerthError &&
        err.code === 'VALIDATION_FAILED' &&
        err.message.startsWith('BERTH_FINGERPRINT must'),
      bad,
    );
});

test('the internal CA signs short-lived server certificates for exactly the planned names', async () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const ca = await createCertificateAuthority({
    commonName: 'Berth internal CA test',
    now,
    lifetimeMs: 3650 * DAY,
  });
  const caCert = new X509Certificate(ca.certPem);
  assert.equal(caCert.ca, true);
  assert.equal(caCert.subject, 'CN=Berth internal CA test');
  assert.equal(caCert.verify(caCert.publicKey), true, 'self-signed');
  assert.equal(createPrivateKey(ca.keyPem).asymmetricKeyType, 'ec');

  const served = await issueServerCertificate({
    ca,
    dnsNames: ['localhost', 'berth.example.com'],
    ipAddresses: ['127.0.0.1', '::1', '203.0.113.7'],
    now,
    lifetimeMs: 7 * DAY,
    backdateMs: 5 * 60_000,
  });
  const leaf = new X509Certificate(served.certPem);
  assert.equal(leaf.ca, false);
  assert.equal(leaf.checkIssued(caCert), true);
  assert.equal(leaf.verify(caCert.publicKey), true, 'signed by the CA');
  assert.equal(leaf.checkPrivateKey(createPrivateKey(served.keyPem)), true);
  assert.equal(
    leaf.subjectAltName,
    'DNS:localhost, DNS:berth.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:203.0.113.7',
  );
  assert.equal(leaf.checkHost('berth.example.com'), 'berth.example.com');
  assert.equal(leaf.checkHost('other.example.com'), undefined);
  assert.equal(leaf.checkIP('203.0.113.7'), '203.0.113.7');
  assert.deepEqual(
    [new Date(leaf.validFrom), new Date(leaf.validTo)],
    [new Date('2026-12-01T09:55:00Z'), new Date('2026-12-08T10:00:00Z')],
  );
  assert.match(leaf.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'serverAuth');

  // The pin is the CA's key: a second certificate of the same CA has another serial, same pin.
  const again = await issueServerCertificate({
    ca,
    dnsNames: ['localhost'],
    ipAddresses: [],
    now,
    lifetimeMs: DAY,
    backdateMs: 0,
  });
  assert.notEqual(again.serial, served.serial);
  assert.equal(publicKeyFingerprint(ca.certPem), publicKeyFingerprint(caCert));
  assert.match(publicKeyFingerprint(ca.certPem), /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(publicKeyFingerprint(served.certPem), publicKeyFingerprint(ca.certPem));
});
