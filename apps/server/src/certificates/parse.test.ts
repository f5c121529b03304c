import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { createTestPki } from '../../../../test/support/tls-edge.js';
import { certificateCovers, parseUploadedCertificate } from './parse.js';

const refusedOn = (path: string, message: RegExp) => (e: unknown) =>
  e instanceof BerthError &&
  e.code === 'VALIDATION_FAILED' &&
  e.issues[0]?.path === path &&
  message.test(e.message);

test('an uploaded chain and key are checked and normalised', async () => {
  const pki = await createTestPki();
  const leaf = await pki.issue(['Shop.Example.test', '*.apps.example.test']);
  const parsed = parseUploadedCertificate(`\n${leaf.certPem}\n\n`, leaf.keyPem, Date.now());
  assert.deepEqual(parsed.names, ['shop.example.test', '*.apps.example.test']);
  assert.equal(parsed.issuer, 'Berth edge TLS test CA');
  assert.ok(parsed.notAfter > Date.now());
  assert.equal(parsed.chainPem.match(/BEGIN CERTIFICATE/g)?.length, 2);
  assert.match(parsed.keyPem, /^-----BEGIN PRIVATE KEY-----/);
});

test('what an edge could not serve is refused, naming the field', async () => {
  const pki = await createTestPki();
  const leaf = await pki.issue(['shop.example.test']);
  const other = await pki.issue(['other.example.test']);
  assert.throws(
    () => parseUploadedCertificate('not pem', leaf.keyPem, Date.now()),
    refusedOn('certificatePem', /no PEM/),
  );
  assert.throws(
    () => parseUploadedCertificate(leaf.certPem, 'garbage', Date.now()),
    refusedOn('keyPem', /not a PEM private key/),
  );
  assert.throws(
    () => parseUploadedCertificate(leaf.certPem, other.keyPem, Date.now()),
    refusedOn('keyPem', /not the private key/),
  );
  assert.throws(
    () => parseUploadedCertificate(leaf.certPem, leaf.keyPem, Date.now() + 3 * 24 * 3600_000),
    refusedOn('certificatePem', /expired/),
  );
  // The CA first: the leaf must lead the chain.
  const [first = '', second = ''] =
    leaf.certPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  assert.throws(
    () => parseUploadedCertificate(`${second}\n${first}`, leaf.keyPem, Date.now()),
    refusedOn('certificatePem', /is a CA/),
  );
});

test('a wildcard covers one label, never the parent or two labels down', () => {
  assert.ok(certificateCovers('shop.example.test', 'shop.example.test'));
  assert.ok(certificateCovers('*.example.test', 'shop.example.test'));
  assert.ok(!certificateCovers('*.example.test', 'example.test'));
  assert.ok(!certificateCovers('*.example.test', 'a.shop.example.test'));
  assert.ok(!certificateCovers('shop.example.test', 'www.shop.example.test'));
});
