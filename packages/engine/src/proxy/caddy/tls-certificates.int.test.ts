/**
 * Caddy 2.6's `get_certificate` http manager, as the static TLS edge uses it: what it asks, what
 * it accepts, what it does with anything else, and that Caddy never turns into an ACME client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { handshake, servedSerial, type RecordedRequest } from '../../../../../test/support/tls-edge.js';
import type { CaddyJson } from './config.js';
import { startTlsEdge, type TlsEdge } from './test-support/tls-edge.js';

let edge: TlsEdge;

const serialFor = (name: string): Promise<string> => servedSerial(edge.httpsPort, name, edge.pki.caPem);

/** The TLS alert a failed handshake ends with (Caddy answers "internal error"). */
async function handshakeFailure(name: string): Promise<string> {
  const err = await handshake(edge.httpsPort, name, edge.pki.caPem).then(
    ({ socket }) => {
      socket.destroy();
      return null;
    },
    (e: NodeJS.ErrnoException) => e,
  );
  assert.ok(err !== null, `${name} got a certificate`);
  return err.code ?? String(err);
}

before(async () => {
  edge = await startTlsEdge();
});

after(async () => {
  await edge?.stop();
});

test('a handshake GETs the certificate from the agent by server name', async () => {
  const cert = await edge.pki.issue(['one.test']);
  edge.agent.set('one.test', cert);
  assert.equal(await serialFor('one.test'), cert.serial);
  const asked = edge.agent.certificateRequests('one.test');
  assert.equal(asked.length, 1);
  const [request] = asked;
  assert.equal(request?.method, 'GET');
  assert.deepEqual(Object.keys(request?.query ?? {}).sort(), [
    'cipher_suites',
    'server_name',
    'signature_schemes',
  ]);
  // Hex IDs, comma-separated: 0x0403 is ecdsa_secp256r1_sha256, 0x1301 TLS_AES_128_GCM_SHA256.
  assert.match(request?.query.signature_schemes ?? '', /(^|,)403(,|$)/);
  assert.match(request?.query.cipher_suites ?? '', /(^|,)1301(,|$)/);
  assert.equal(request?.headers['user-agent'], 'Go-http-client/1.1');
});

test('every handshake asks again: a rotated certificate is served at the next handshake', async (t) => {
  const first = await edge.pki.issue(['rot.test']);
  edge.agent.set('rot.test', first);
  assert.equal(await serialFor('rot.test'), first.serial);
  const before = edge.agent.certificateRequests('rot.test').length;
  const handshakes = 20;
  const started = performance.now();
  for (let i = 0; i < handshakes; i++) assert.equal(await serialFor('rot.test'), first.serial);
  const perHandshakeMs = (performance.now() - started) / handshakes;
  assert.equal(edge.agent.certificateRequests('rot.test').length - before, handshakes, 'no caching');

  const second = await edge.pki.issue(['rot.test']);
  edge.agent.set('rot.test', second);
  const rotatedAt = performance.now();
  assert.equal(await serialFor('rot.test'), second.serial, 'the very next handshake');
  t.diagnostic(
    `handshake through the manager: ${perHandshakeMs.toFixed(1)} ms; ` +
      `rotation seen after ${(performance.now() - rotatedAt).toFixed(1)} ms (one handshake)`,
  );
});

test('a name the agent has no certificate for fails its handshake, whatever the answer', async () => {
  // 2.6 treats every answer but 200 + PEM as an error (204 "not mine" falls through only in 2.7).
  for (const status of [204, 404, 403, 200]) {
    edge.agent.answerMissingWith(status);
    assert.equal(await handshakeFailure(`missing-${status}.test`), 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR');
  }
  // Even a name the ask endpoint would approve: the issuer path is never reached.
  edge.agent.answerMissingWith(204);
  edge.agent.approveWithoutCertificate('approved.test');
  assert.equal(await handshakeFailure('approved.test'), 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR');
  // A certificate for another name is served and then refused by the client, not by Caddy.
  edge.agent.set('wrong.test', await edge.pki.issue(['other.test']));
  assert.equal(await handshakeFailure('wrong.test'), 'ERR_TLS_CERT_ALTNAME_INVALID');
  await sleep(200); // give a background ACME attempt, if Caddy started one, time to show
  assert.deepEqual(edge.agent.askRequests(), [], 'ask is never needed');
  assert.deepEqual(edge.acmeSink.requests, [], 'nothing tried ACME');
  assert.match(await edge.caddy.log(), /getting certificate from external certificate manager.*got HTTP 204/);
});

test('the manager failing does not fail other names', async () => {
  const cert = await edge.pki.issue(['fine.test']);
  edge.agent.set('fine.test', cert);
  await handshakeFailure('unknown.test');
  assert.equal(await serialFor('fine.test'), cert.serial);
});

/** The same edge without the manager: on-demand TLS through the issuer, as Caddy does it alone. */
function withoutManager(config: CaddyJson): void {
  const tlsApp = (config.apps as { tls: { automation: { policies: CaddyJson[] } } }).tls;
  for (const policy of tlsApp.automation.policies) {
    delete policy.get_certificate;
    policy.on_demand = true;
  }
}

test('the ACME sink sees Caddy try ACME once the manager is gone, for approved names only', async () => {
  // Proves the sink and the ask endpoint are wired: the tests above could fail.
  const bare = await startTlsEdge({ alter: withoutManager });
  try {
    const refused = await handshake(bare.httpsPort, 'refused.test', bare.pki.caPem).then(
      () => 'handshake completed',
      (e: NodeJS.ErrnoException) => e.code,
    );
    assert.equal(refused, 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR');
    assert.equal(bare.agent.askRequests('refused.test').length, 1);
    const attempts = (): RecordedRequest[] => bare.acmeSink.requests;
    assert.deepEqual(attempts(), [], 'a refused name never reaches the issuer');

    bare.agent.approveWithoutCertificate('approved.test');
    // The handshake waits for the order (minutes of retries against the broken CA): not awaited.
    const attempt = tls.connect({ host: '127.0.0.1', port: bare.httpsPort, servername: 'approved.test' });
    attempt.on('error', () => undefined);
    const deadline = Date.now() + 10_000;
    while (attempts().length === 0) {
      assert.ok(Date.now() < deadline, 'Caddy never tried the issuer');
      await sleep(20);
    }
    assert.equal(attempts()[0]?.path, '/directory');
    attempt.destroy();
  } finally {
    await bare.caddy.kill(); // a graceful stop would wait for the order in flight
    await bare.stop();
  }
});

/** A raw HTTP/1.1 GET over an open TLS connection; resolves with the status line. */
function statusLineOver(socket: tls.TLSSocket, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (d: Buffer) => resolve(d.toString('latin1').split('\r\n')[0] ?? ''));
    socket.once('error', reject);
    socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}

test('while the agent is down new handshakes fail, and open connections carry on', async () => {
  // Runs last: it stops the agent. Nothing is cached, so the endpoint must be up for every handshake.
  edge.agent.set('held.test', await edge.pki.issue(['held.test']));
  edge.route('held.test', await edge.backend('held'));
  const { socket } = await handshake(edge.httpsPort, 'held.test', edge.pki.caPem);
  assert.equal(await statusLineOver(socket, 'held.test'), 'HTTP/1.1 200 OK');
  await edge.agent.close();
  assert.equal(await handshakeFailure('held.test'), 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR');
  assert.match(
    await edge.caddy.log(),
    /getting certificate from external certificate manager.*connection refused/,
  );
  assert.equal(await statusLineOver(socket, 'held.test'), 'HTTP/1.1 200 OK');
  socket.destroy();
});
