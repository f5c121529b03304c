/**
 * The ACME issuer against a real CA: Pebble (see test/support/pebble.ts: it stands in for Let's
 * Encrypt, which is not reachable here) validating HTTP-01 against this file's own responder and
 * DNS-01 through challtestsrv's TXT records. One Pebble for the whole file.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { after, test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { usePebble } from '../../../../test/support/pebble.js';
import { createAcmeIssuer } from './issuer.js';
import { startHttp01Responder, type Http01Responder } from './test-support/http01-responder.js';
import type { AcmeIssuer, Dns01Port, IssuedCertificate } from './types.js';

let responder: Http01Responder | null = null;
const pebble = usePebble({
  httpPort: async () => {
    responder = await startHttp01Responder();
    return responder.port;
  },
});
after(() => responder?.close());
const http01 = (): Http01Responder => {
  assert.ok(responder, 'the responder starts with Pebble');
  return responder;
};

const FAST = { attempts: 20, minMs: 50, maxMs: 250 };
const newAccountKey = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();

const accountKeyPem = newAccountKey();
let account: Promise<AcmeIssuer> | null = null;
/** The file's ACME account, registered on first use (after Pebble has started). */
const issuer = (): Promise<AcmeIssuer> =>
  (account ??= createAcmeIssuer({
    directoryUrl: pebble().directoryUrl,
    caCertPem: pebble().listenerCaPem,
    accountKeyPem,
    email: 'ops@example.com',
    polling: FAST,
  }));

/** DNS-01 through challtestsrv's management API, recording what it was asked. */
function challtestDns01(calls: string[]): Dns01Port {
  return {
    publish: async (fqdn, value) => {
      calls.push(`publish ${fqdn}`);
      await pebble().challtest.setTxt(fqdn, value);
    },
    withdraw: async (fqdn) => {
      calls.push(`withdraw ${fqdn}`);
      await pebble().challtest.clearTxt(fqdn);
    },
  };
}

/** The chain as issued: leaf ← intermediate(s) ← Pebble's root of this run, each link checked. */
function assertChainVerifies(issued: IssuedCertificate, names: readonly string[]): void {
  const chain =
    issued.certificatePem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  assert.ok(chain.length >= 2, `a leaf and an intermediate, got ${chain.length}`);
  const certs = [
    ...chain.map((pem) => new X509Certificate(pem)),
    new X509Certificate(pebble().issuingRootPem),
  ];
  for (let i = 0; i + 1 < certs.length; i++) {
    const [child, parent] = [certs[i], certs[i + 1]];
    assert.ok(child && parent);
    assert.ok(child.checkIssued(parent), `link ${i} names its issuer`);
    assert.ok(child.verify(parent.publicKey), `link ${i} is signed by its issuer`);
  }
  const leaf = certs[0];
  assert.ok(leaf);
  for (const name of names) {
    const probe = name.startsWith('*.') ? `anything${name.slice(1)}` : name;
    assert.equal(leaf.checkHost(probe), name.startsWith('*.') ? name : probe, `covers ${name}`);
  }
  assert.equal(issued.notBefore.getTime(), new Date(leaf.validFrom).getTime());
  assert.ok(issued.notAfter > issued.notBefore);
  assert.match(issued.issuer, /Pebble/);
}

test('HTTP-01: the CA fetches the answer from the responder and issues a chain to its root', async () => {
  const names = ['web.http.test', 'www.http.test'];
  const issued = await (await issuer()).order({ names, challenge: { http01: http01() } });
  assertChainVerifies(issued, names);
  assert.ok(issued.keyPem.includes('BEGIN PRIVATE KEY'));
  assert.ok(
    new X509Certificate(issued.certificatePem).checkPrivateKey(createPrivateKey(issued.keyPem)),
    'the key returned is the certificate’s',
  );
  assert.equal(createPrivateKey(issued.keyPem).asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(
    http01().requests.some((p) => p.startsWith('/.well-known/acme-challenge/')),
    'the CA asked the responder',
  );
  assert.deepEqual(http01().published(), [], 'answers are withdrawn afterwards');
  assert.deepEqual(issued.warnings, []);
});

test('DNS-01: a wildcard and its apex through TXT records, withdrawn afterwards', async () => {
  const calls: string[] = [];
  const names = ['*.wild.test', 'wild.test'];
  const issued = await (
    await issuer()
  ).order({ names, challenge: { http01: http01(), dns01: challtestDns01(calls) } });
  assertChainVerifies(issued, names);
  // The wildcard must use DNS-01; the apex prefers HTTP-01 (the responder is given).
  assert.deepEqual(calls.sort(), ['publish _acme-challenge.wild.test', 'withdraw _acme-challenge.wild.test']);
});

test('a wildcard without a DNS-01 port is refused before the CA is asked', async () => {
  await assert.rejects((await issuer()).order({ names: ['*.nodns.test'], challenge: { http01: http01() } }), {
    code: 'VALIDATION_FAILED',
    message: /Wildcard names \(\*\.nodns\.test\) can only be validated by DNS-01/,
  });
});

test('a wrong HTTP-01 answer fails with the CA’s problem document, per name', async () => {
  http01().tamper('not-the-key-authorization');
  try {
    const failure = await (
      await issuer()
    )
      .order({ names: ['bad-answer.http.test'], challenge: { http01: http01() } })
      .then(
        () => assert.fail('the order must fail'),
        (e: unknown) => e,
      );
    assert.ok(failure instanceof BerthError, String(failure));
    assert.equal(failure.code, 'ACME_ORDER_FAILED');
    assert.match(
      failure.message,
      /could not validate bad-answer\.http\.test \(http-01\): unauthorized: .*key authorization/i,
    );
    assert.match(failure.hint ?? '', /point at a Berth edge/);
    assert.deepEqual(http01().published(), [], 'withdrawn after a failure too');
  } finally {
    http01().tamper(null);
  }
});

test('a DNS-01 publish that sets nothing fails with what the CA found in DNS; a failed withdrawal is logged', async () => {
  const silent: Dns01Port = {
    publish: () => Promise.resolve(),
    withdraw: () => Promise.reject(new Error('provider down')),
  };
  await assert.rejects(
    (await issuer()).order({ names: ['*.silent.test'], challenge: { dns01: silent } }),
    (e: unknown) => {
      assert.ok(e instanceof BerthError);
      assert.equal(e.code, 'ACME_ORDER_FAILED');
      assert.match(
        e.message,
        /could not validate \*\.silent\.test \(dns-01\): unauthorized: No TXT records found/,
      );
      assert.match(e.hint ?? '', /wrote the _acme-challenge TXT record of \*\.silent\.test/);
      // A withdrawal that fails is reported beside the outcome, never instead of it.
      assert.ok(
        e.logs.includes('Withdrawing the dns-01 answer for *.silent.test failed: provider down'),
        String(e.logs),
      );
      return true;
    },
  );
});

test('a name the CA refuses outright carries the CA’s problem type from the new-order answer', async () => {
  await assert.rejects(
    (await issuer()).order({ names: ['under_score.test'], challenge: { http01: http01() } }),
    (e: unknown) => {
      assert.ok(e instanceof BerthError);
      assert.equal(e.code, 'ACME_ORDER_FAILED');
      assert.match(e.message, /creating the order failed: (rejectedIdentifier|malformed): .+/);
      return true;
    },
  );
});

test('the account is found again with the same key; a CA not trusted is refused with the reason', async () => {
  const again = await createAcmeIssuer({
    directoryUrl: pebble().directoryUrl,
    caCertPem: pebble().listenerCaPem,
    accountKeyPem,
    email: 'ops@example.com',
    polling: FAST,
  });
  assert.equal(again.accountUrl, (await issuer()).accountUrl);
  // Trust of Pebble's listener CA is per issuer, not process-wide: without it the TLS check fails.
  await assert.rejects(
    createAcmeIssuer({
      directoryUrl: pebble().directoryUrl,
      accountKeyPem: newAccountKey(),
      email: 'ops@example.com',
    }),
    {
      code: 'ACME_ACCOUNT_FAILED',
      message:
        /Registering the ACME account at .* failed: cannot reach the CA's directory: unable to verify the first certificate/,
    },
  );
});
