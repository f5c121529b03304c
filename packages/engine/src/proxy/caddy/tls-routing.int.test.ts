/**
 * The edge routes per request on Caddy 2.6: a host it has never seen gets its certificate at the
 * first handshake and its upstreams from an SRV name built from the Host; plain HTTP of a host
 * with a certificate goes to HTTPS, HTTP-01 is answered for any host, a host nobody serves gets a
 * 404 at once, all without changing Caddy's config. HSTS is on (as with --hsts-max-age): every
 * HTTPS answer carries it (the app's, the responder's and Caddy's own), no plain one does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { httpsGet } from '../../../../../test/support/tls-edge.js';
import { toHostSetName, toInternalSetName, toPlainHostSetName } from '../upstream-dns/zone.js';
import { getThrough } from './test-support/backends.js';
import { startTlsEdge, type TlsEdge } from './test-support/tls-edge.js';

let edge: TlsEdge;
const HSTS = 'max-age=300';

const get = (host: string, path = '/'): ReturnType<typeof httpsGet> =>
  httpsGet(edge.httpsPort, host, path, edge.pki.caPem);

async function serve(host: string, backendName: string): Promise<void> {
  edge.agent.set(host, await edge.pki.issue([host]));
  edge.route(host, await edge.backend(backendName));
}

async function assertConfigUnchanged(): Promise<void> {
  assert.deepEqual(await edge.admin.getConfig(), edge.config, "Caddy's config changed");
}

before(async () => {
  edge = await startTlsEdge({ hstsMaxAge: 300 });
});

after(async () => {
  await edge?.stop();
});

test('a host never seen before is served at its first request, with no config change', async (t) => {
  await serve('new.test', 'new');
  const started = performance.now();
  const r = await get('new.test', '/hello');
  t.diagnostic(`first HTTPS request of a new host: ${(performance.now() - started).toFixed(1)} ms`);
  assert.deepEqual([r.status, r.body, r.headers['strict-transport-security']], [200, 'new', HSTS]);
  // The placeholder was expanded: the DNS service was asked for the set named after the host.
  assert.ok(edge.srvLookups(toHostSetName('new.test')) >= 1);
  assert.equal(edge.srvLookups(toHostSetName('{http.request.host}')), 0);
  await assertConfigUnchanged();
});

test('each host goes to its own upstreams', async () => {
  await serve('a.test', 'a');
  await serve('b.test', 'b');
  for (let i = 0; i < 3; i++) {
    assert.equal((await get('a.test')).body, 'a');
    assert.equal((await get('b.test')).body, 'b');
  }
});

test("an app's own HSTS header is replaced by the edge's, not sent beside it", async () => {
  const r = await get('a.test', '/?sts=max-age=5;%20includeSubDomains');
  assert.deepEqual([r.status, r.body, r.headers['strict-transport-security']], [200, 'a', HSTS]);
});

test('the Host, not the SNI, picks the upstreams; a name in any case is the same host', async () => {
  // SNI a.test, Host b.test: served as b.test (Caddy 2.6 checks SNI against Host only with client auth).
  const crossed = await httpsGet(edge.httpsPort, 'b.test', '/', edge.pki.caPem, undefined, 'a.test');
  assert.deepEqual([crossed.status, crossed.body], [200, 'b']);
  assert.equal((await get('A.Test')).body, 'a');
  // The manager gets the SNI in the client's case: the agent has to fold it.
  assert.equal(edge.agent.certificateRequests('A.Test').length, 1);
});

test('a host with a certificate but no upstreams gets a 503 after the retry window', async (t) => {
  edge.agent.set('late.test', await edge.pki.issue(['late.test']));
  edge.route('late.test');
  const started = performance.now();
  const empty = await get('late.test');
  const waitedMs = performance.now() - started;
  t.diagnostic(`no upstreams: ${empty.status} after ${waitedMs.toFixed(0)} ms (try_duration 5s)`);
  assert.equal(empty.status, 503);
  // Caddy's own error answer, not the app's: the error routes add HSTS to it.
  assert.equal(empty.headers['strict-transport-security'], HSTS);
  assert.ok(waitedMs >= 4900, 'NXDOMAIN is retried like a dial failure');
  edge.route('late.test', await edge.backend('late'));
  // Caddy caches an SRV answer for its refresh interval (100 ms here): ask until it looks again.
  const deadline = Date.now() + 5000;
  let r = await get('late.test');
  while (r.status !== 200 && Date.now() < deadline) r = await get('late.test');
  assert.deepEqual([r.status, r.body], [200, 'late']);
  await assertConfigUnchanged();
});

test('plain HTTP is redirected to HTTPS with a 308, path and query kept', async () => {
  const r = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .get(
        {
          host: '127.0.0.1',
          port: edge.httpPort,
          path: '/x/y?q=1',
          headers: { host: 'a.test' },
          agent: false,
        },
        resolve,
      )
      .on('error', reject);
  });
  r.resume();
  assert.equal(r.statusCode, 308);
  assert.equal(r.headers.location, `https://a.test:${edge.httpsPort}/x/y?q=1`);
  // Never over plain HTTP (RFC 6797 7.2).
  assert.equal(r.headers['strict-transport-security'], undefined);
  // ...and the redirect target serves.
  assert.equal((await get('a.test', '/x/y?q=1')).body, 'a');
});

test('HTTP-01 challenges are answered by the responder, for any host, never redirected', async () => {
  (edge.table.challenges ??= {})['tok-123'] = 'tok-123.thumbprint';
  for (const host of ['a.test', 'unknown.example', 'web.localhost']) {
    const r = await getThrough(edge.httpPort, '/.well-known/acme-challenge/tok-123', host);
    assert.deepEqual(r, { status: 200, body: 'tok-123.thumbprint' }, host);
  }
  const missing = await getThrough(edge.httpPort, '/.well-known/acme-challenge/nope', 'a.test');
  assert.equal(missing.status, 404);
});

test('a host without a certificate keeps plain HTTP', async () => {
  edge.route('web.localhost', await edge.backend('local'));
  edge.route('localhost', await edge.backend('bare-local'));
  assert.deepEqual(await getThrough(edge.httpPort, '/', 'web.localhost'), { status: 200, body: 'local' });
  assert.deepEqual(await getThrough(edge.httpPort, '/', 'localhost'), { status: 200, body: 'bare-local' });
  assert.ok(edge.srvLookups(toPlainHostSetName('web.localhost')) >= 1);
  await assertConfigUnchanged();
});

test('a host nobody serves gets a 404 at once, over HTTP and HTTPS', async (t) => {
  const started = performance.now();
  const r = await getThrough(edge.httpPort, '/', 'a.b.localhost');
  t.diagnostic(`unknown host: ${r.status} in ${(performance.now() - started).toFixed(0)} ms`);
  assert.deepEqual(r, { status: 404, body: 'No app is served at a.b.localhost\n' });
  assert.ok(performance.now() - started < 2000, 'no retry window for a host nobody serves');
  // A certificate for a name no app serves (e.g. one just removed): the handshake works, the 404 answers.
  edge.agent.set('gone.test', await edge.pki.issue(['gone.test']));
  const gone = await get('gone.test');
  assert.deepEqual([gone.status, gone.headers['strict-transport-security']], [404, HSTS]);
  // Host headers that are not plain names are not echoed (Caddy itself refuses `<`, `"` and the like).
  const odd = await getThrough(edge.httpPort, '/', 'x_y.test');
  assert.deepEqual(odd, { status: 404, body: 'No app is served at this address\n' });
});

test('<app>.internal is routed by host and client address, over plain HTTP', async () => {
  edge.routeInternal('web', '127.0.0.0/8', await edge.backend('team'));
  assert.deepEqual(await getThrough(edge.httpPort, '/', 'web.internal'), { status: 200, body: 'team' });
  assert.ok(edge.srvLookups(toInternalSetName('web.internal', '127.0.0.1')) >= 1);
  assert.equal(edge.srvLookups(toPlainHostSetName('web.internal')), 0, 'never by host alone');
  // Another team's subnet: this client is not in it, so the DNS answer is the 404's.
  edge.routeInternal('db', '10.0.0.0/24', await edge.backend('other-team'));
  assert.equal((await getThrough(edge.httpPort, '/', 'db.internal')).status, 404);
  await assertConfigUnchanged();
});
