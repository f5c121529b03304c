/**
 * The whole DNS-01 path for real: a wildcard certificate and its apex ordered from Pebble (which
 * stands in for Let's Encrypt, not reachable here) by Berth's issuer, the challenges answered
 * by the RFC 2136 provider writing into a real BIND 9, and Pebble validating by asking that BIND.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { after, test } from 'node:test';
import { startBind9, type TestBind9 } from '../../../../../test/support/bind9.js';
import { usePebble } from '../../../../../test/support/pebble.js';
import { createAcmeIssuer } from '../issuer.js';
import type { Dns01Port } from '../types.js';
import { createDns01Provider } from './index.js';

let bind: TestBind9 | null = null;
// Started inside Pebble's `before`, which needs its address (a file's top-level hooks run concurrently).
const pebble = usePebble({
  httpPort: () => 1,
  dnsServer: async () => {
    bind = await startBind9({ zones: ['example.test'] });
    return bind.address;
  },
});
after(() => bind?.stop());
const named = (): TestBind9 => {
  assert.ok(bind, 'named starts with Pebble');
  return bind;
};

test('a wildcard and its apex issued through RFC 2136 into BIND, which Pebble asks', async () => {
  const issuer = await createAcmeIssuer({
    directoryUrl: pebble().directoryUrl,
    caCertPem: pebble().listenerCaPem,
    accountKeyPem: generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
    email: 'ops@example.com',
    polling: { attempts: 20, minMs: 50, maxMs: 250 },
  });
  const provider = createDns01Provider(
    {
      kind: 'rfc2136',
      server: named().address,
      keyName: named().key.name,
      algorithm: 'hmac-sha256',
      secret: named().key.secret,
    },
    { visibilityTimeoutMs: 5000, visibilityIntervalMs: 50, requestTimeoutMs: 2000 },
  );
  const seen: string[] = [];
  const recording: Dns01Port = {
    publish: async (fqdn, value) => {
      await provider.publish(fqdn, value);
      // Visible at the server when publish returns: the CA may ask right away.
      assert.ok((await named().txt(fqdn)).includes(value), 'published before publish returns');
      seen.push(`publish ${fqdn}`);
    },
    withdraw: async (fqdn, value) => {
      await provider.withdraw(fqdn, value);
      seen.push(`withdraw ${fqdn}`);
    },
  };
  const names = ['*.example.test', 'example.test'];
  const issued = await issuer.order({ names, challenge: { dns01: recording } });

  const leaf = new X509Certificate(issued.certificatePem);
  assert.equal(leaf.checkHost('anything.example.test'), '*.example.test');
  assert.equal(leaf.checkHost('example.test'), 'example.test');
  const chain =
    issued.certificatePem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  const certs = [
    ...chain.map((pem) => new X509Certificate(pem)),
    new X509Certificate(pebble().issuingRootPem),
  ];
  for (let i = 0; i + 1 < certs.length; i++) {
    const [child, parent] = [certs[i], certs[i + 1]];
    assert.ok(child && parent && child.verify(parent.publicKey), `link ${i} is signed by its issuer`);
  }
  // Both names are proven by DNS-01 on the same record name, with two values side by side.
  assert.deepEqual(seen.sort(), [
    'publish _acme-challenge.example.test',
    'publish _acme-challenge.example.test',
    'withdraw _acme-challenge.example.test',
    'withdraw _acme-challenge.example.test',
  ]);
  assert.deepEqual(await named().txt('_acme-challenge.example.test'), [], 'withdrawn afterwards');
  assert.deepEqual(issued.warnings, []);
  assert.match(
    await named().log(),
    /updating zone 'example\.test\/IN': adding an RR at '_acme-challenge\.example\.test' TXT/,
  );
});
