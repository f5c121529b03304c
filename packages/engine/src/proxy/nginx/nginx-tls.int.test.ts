import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { toAppRoutes, type AppRoute, type Upstream } from '@berth/core';
import { createTestPki, type TestPki } from '../../../../../test/support/tls-edge.js';
import { createBackends, getThrough } from '../caddy/test-support/backends.js';
import type { EdgeCertificate } from '../edge-certificates/table.js';
import { CURRENT_LINK } from './versions.js';
import { startTestNginx, type TestNginx } from './test-support/nginx.js';
import type { NginxEdge } from './nginx-edge.js';
import type { EdgeState } from '../types.js';

// HTTPS on the nginx edge: a name with a certificate is served over verified HTTPS and its plain
// HTTP redirects there (308, path and query kept), except the ACME path, which every host answers
// on plain HTTP; a name without one is served over plain HTTP; redirect-only names; `.internal`.
// HSTS is on (as with --hsts-max-age): every HTTPS answer carries it, no plain one does.

const HSTS = 'max-age=300';

let nginx: TestNginx;
let edge: NginxEdge;
let pki: TestPki;
let replica: Upstream;
let shopCert: EdgeCertificate;
let wildcard: EdgeCertificate;
let wildCert: EdgeCertificate;
let otherReplica: Upstream;
const backends = createBackends();

const route: AppRoute = {
  ...toAppRoutes([
    {
      appId: 'app_shop',
      appName: 'shop',
      hostnames: ['shop.example.com', 'api.apps.example.com', 'plain.test', 'exact.wild.example.com'],
    },
  ])[0]!,
  redirects: [
    { from: 'www.shop.example.com', to: 'shop.example.com' },
    { from: 'old.test', to: 'plain.test' },
  ],
  internalFrom: '127.0.0.0/8',
};
const other: AppRoute = {
  appId: 'app_o',
  appName: 'other',
  // A wildcard domain: every name one label under it that no exact hostname takes.
  hostnames: ['other.test', '*.wild.example.com'],
  internalFrom: '10.99.0.0/24',
};

const state = (): EdgeState => ({
  routes: [route, other],
  upstreams: { shop: [replica], other: [otherReplica] },
  certificates: [shopCert, wildcard, wildCert],
  challenges: { 'tok_en-1': 'tok_en-1.thumbprint' },
});

interface HttpsReply {
  status: number;
  body: string;
  subject: string;
  location: string | undefined;
  hsts: string | undefined;
}

function getHttps(host: string, path: string): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port: nginx.httpsPort ?? 0,
        path,
        servername: host,
        headers: { host },
        ca: pki.caPem,
        agent: false,
      },
      (res) => {
        const peer = res.socket as TLSSocket;
        const subject = peer.getPeerCertificate().subjectaltname ?? '';
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            subject,
            location: res.headers.location,
            hsts: res.headers['strict-transport-security'],
          }),
        );
      },
    );
    req.on('error', reject);
  });
}

function location(
  port: number,
  host: string,
  path: string,
): Promise<{ status: number; location: string | undefined; hsts?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
        res.resume();
        const hsts = res.headers['strict-transport-security'];
        resolve({ status: res.statusCode ?? 0, location: res.headers.location, ...(hsts && { hsts }) });
      })
      .on('error', reject);
  });
}

before(async () => {
  pki = await createTestPki();
  const s = await pki.issue(['shop.example.com', 'www.shop.example.com']);
  shopCert = { names: ['shop.example.com', 'www.shop.example.com'], chainPem: s.certPem, keyPem: s.keyPem };
  const w = await pki.issue(['*.apps.example.com']);
  wildcard = { names: ['*.apps.example.com'], chainPem: w.certPem, keyPem: w.keyPem };
  const o = await pki.issue(['*.wild.example.com']);
  wildCert = { names: ['*.wild.example.com'], chainPem: o.certPem, keyPem: o.keyPem };
  replica = { name: 'berth-shop-r1-1', host: '127.0.0.1', port: await backends.start('shop') };
  otherReplica = { name: 'berth-other-r1-1', host: '127.0.0.1', port: await backends.start('other') };
  nginx = await startTestNginx({ https: true, hstsMaxAge: 300 });
  edge = nginx.edge();
  await edge.publish(state());
});

after(async () => {
  await nginx?.stop();
  await backends.close();
});

test('a name with a certificate (exact or wildcard) is served over HTTPS that a client verifies', async () => {
  const exact = await getHttps('shop.example.com', '/');
  assert.deepEqual([exact.status, exact.body], [200, 'shop']);
  assert.match(exact.subject, /DNS:shop\.example\.com/);
  const wild = await getHttps('api.apps.example.com', '/');
  assert.deepEqual([wild.status, wild.body], [200, 'shop']);
  assert.match(wild.subject, /DNS:\*\.apps\.example\.com/);
  assert.deepEqual([exact.hsts, wild.hsts], [HSTS, HSTS]);
  // An app's own HSTS header is replaced by the edge's, not sent beside it.
  const own = await getHttps('shop.example.com', '/?sts=max-age=5;%20includeSubDomains');
  assert.deepEqual([own.status, own.hsts], [200, HSTS]);
  // A name nobody serves gets no certificate at all: the handshake is refused.
  await assert.rejects(getHttps('nobody.example.com', '/'), /unrecognized name/);
});

test('its plain HTTP redirects to HTTPS with path and query (308); the ACME path is answered for any host', async () => {
  const port = nginx.httpsPort;
  // No HSTS over plain HTTP (RFC 6797 7.2): the 308 carries none.
  assert.deepEqual(await location(nginx.httpPort, 'shop.example.com', '/a/b?c=d&e'), {
    status: 308,
    location: `https://shop.example.com:${port}/a/b?c=d&e`,
  });
  for (const host of ['shop.example.com', 'plain.test', 'nobody.test']) {
    assert.deepEqual(await getThrough(nginx.httpPort, '/.well-known/acme-challenge/tok_en-1', host), {
      status: 200,
      body: 'tok_en-1.thumbprint',
    });
    assert.equal((await getThrough(nginx.httpPort, '/.well-known/acme-challenge/unknown', host)).status, 404);
  }
});

test('a name without a certificate is served over plain HTTP; redirect-only names go to their target', async () => {
  assert.deepEqual(await getThrough(nginx.httpPort, '/', 'plain.test'), { status: 200, body: 'shop' });
  assert.deepEqual(await location(nginx.httpPort, 'old.test', '/x?y'), {
    status: 308,
    location: `http://plain.test:${nginx.httpPort}/x?y`,
  });
  // www has a certificate of its own: both its schemes go straight to the target's HTTPS.
  const target = `https://shop.example.com:${nginx.httpsPort}`;
  assert.deepEqual(await location(nginx.httpPort, 'www.shop.example.com', '/p'), {
    status: 308,
    location: `${target}/p`,
  });
  const www = await getHttps('www.shop.example.com', '/p?q');
  assert.deepEqual([www.status, www.location, www.hsts], [308, `${target}/p?q`, HSTS]);
  // A name served over plain HTTP gets no HSTS from the edge.
  assert.deepEqual(await location(nginx.httpPort, 'plain.test', '/'), { status: 200, location: undefined });
});

test('<app>.internal is served to clients in the team subnet only', async () => {
  assert.deepEqual(await getThrough(nginx.httpPort, '/', 'shop.internal'), { status: 200, body: 'shop' });
  assert.deepEqual(await getThrough(nginx.httpPort, '/', 'other.internal'), {
    status: 404,
    body: 'No app is served at other.internal\n',
  });
});

test('a wildcard hostname serves every name one label under it, over HTTPS; exact names win', async () => {
  const wild = await getHttps('a.wild.example.com', '/');
  assert.deepEqual([wild.status, wild.body, wild.hsts], [200, 'other', HSTS]);
  assert.match(wild.subject, /DNS:\*\.wild\.example\.com/);
  assert.deepEqual(await location(nginx.httpPort, 'b-2.wild.example.com', '/x?y'), {
    status: 308,
    location: `https://b-2.wild.example.com:${nginx.httpsPort}/x?y`,
  });
  // Another app's exact name under it is that app's.
  assert.equal((await getHttps('exact.wild.example.com', '/')).body, 'shop');
  // Two labels down is not the wildcard's (nginx's own `*.` would take it): no certificate, a 404.
  await assert.rejects(getHttps('a.b.wild.example.com', '/'), /unrecognized name/);
  assert.equal((await getThrough(nginx.httpPort, '/', 'a.b.wild.example.com')).status, 404);
  assert.equal((await getThrough(nginx.httpPort, '/', 'wild.example.com')).status, 404);
});

test('certificate files are 0600', async () => {
  for (const f of ['certs/0.pem', 'certs/0.key', 'certs/1.pem', 'certs/1.key']) {
    assert.equal((await stat(join(nginx.prefix, CURRENT_LINK, f))).mode & 0o777, 0o600, f);
  }
});
