import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOW, openTempStore } from '../test-support/fixtures.js';
import type { IssuedCertificate } from '../types-certificates.js';

/** The installation's wildcard certificate on a real SQLite file: one row per base domain. */

const issued = (id: string, notAfter: number): IssuedCertificate => ({
  id,
  issuer: 'Pebble Intermediate CA',
  notBefore: NOW,
  notAfter,
  chainPem: `-----BEGIN CERTIFICATE-----\n${id}\n-----END CERTIFICATE-----\n`,
  keySealed: { keyId: 'k1', value: `sealed-${id}` },
});

describe('BaseCertificateRepo', () => {
  it('records an order, its certificate, a failed renewal that keeps it, and a reseal', async () => {
    const env = await openTempStore();
    try {
      const repo = env.store.baseCertificates;
      assert.equal(await repo.get('apps.example.com'), null);

      await repo.setStatus('apps.example.com', 'pending', null, NOW);
      assert.deepEqual(await repo.get('apps.example.com'), {
        domain: 'apps.example.com',
        status: 'pending',
        lastError: null,
        certificate: null,
        updatedAt: NOW,
      });

      await repo.setStatus('apps.example.com', 'failed', 'the CA said no', NOW + 1);
      await repo.setCertificate('apps.example.com', issued('crt_1', NOW + 90), NOW + 2);
      const first = await repo.get('apps.example.com');
      assert.equal(first?.status, 'issued');
      assert.equal(first?.lastError, null);
      assert.deepEqual(first?.certificate, issued('crt_1', NOW + 90));

      // A failed renewal: the status and its reason change, the certificate is still served.
      await repo.setStatus('apps.example.com', 'failed', 'DNS provider refused', NOW + 3);
      const failed = await repo.get('apps.example.com');
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.lastError, 'DNS provider refused');
      assert.deepEqual(failed?.certificate, issued('crt_1', NOW + 90));

      await repo.reseal('apps.example.com', { keyId: 'k2', value: 'resealed' });
      assert.deepEqual((await repo.get('apps.example.com'))?.certificate?.keySealed, {
        keyId: 'k2',
        value: 'resealed',
      });

      // Another base domain (a run under another --domain) has its own row.
      await repo.setStatus('other.example.com', 'pending', null, NOW);
      assert.deepEqual(
        (await repo.list()).map((r) => [r.domain, r.status]),
        [
          ['apps.example.com', 'failed'],
          ['other.example.com', 'pending'],
        ],
      );
    } finally {
      await env.done();
    }
  });
});
