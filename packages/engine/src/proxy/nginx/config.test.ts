import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '@berth/protocol';
import type { EdgeState } from '../types.js';
import { renderNginxFiles, renderNginxTree } from './config.js';
import { renderDirectives, type Directive } from './directives.js';
import type { NginxSettings } from './values.js';

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const settings: NginxSettings = { httpListen: ':80', httpsListen: ':443', httpsPublicPort: 443 };
const shop = { appId: 'app_shop', appName: 'shop', hostnames: ['shop.example.com', 'shop.localhost'] };
const base: EdgeState = {
  routes: [shop],
  upstreams: {
    shop: [
      { name: 'r1', host: '127.0.0.1', port: 8001 },
      { name: 'r2', host: '10.88.0.5', port: 3000 },
    ],
  },
};

const conf = (state: EdgeState, s: NginxSettings = settings): string =>
  renderDirectives(renderNginxTree(state, s));

/** The server blocks for `name`, as text. */
function serversFor(state: EdgeState, name: string, s: NginxSettings = settings): string[] {
  const http = renderNginxTree(state, s).find((x) => x.name === 'http');
  return (http?.block ?? [])
    .filter(
      (x: Directive) =>
        x.name === 'server' && x.block?.some((y) => y.name === 'server_name' && y.args[0] === name),
    )
    .map((x) => renderDirectives([x]));
}

const refused = (state: EdgeState, path: RegExp, s: NginxSettings = settings): void =>
  assert.throws(
    () => renderNginxFiles(state, s),
    (e: unknown) =>
      e instanceof BerthError && e.code === 'VALIDATION_FAILED' && path.test(e.issues[0]?.path ?? ''),
  );

test('the same state renders the same bytes', () => {
  assert.equal(conf(base), conf(structuredClone(base)));
});

test('each hostname proxies to its app upstream block; the default server answers 404 with the host', () => {
  const text = conf(base);
  assert.match(
    text,
    /upstream berth_app_shop \{\n {4}server 127\.0\.0\.1:8001 max_fails=1 fail_timeout=5s;\n {4}server 10\.88\.0\.5:3000 /,
  );
  assert.match(serversFor(base, 'shop.localhost')[0] ?? '', /proxy_pass http:\/\/berth_app_shop;/);
  assert.match(text, /listen 80 default_server;[\s\S]*return 404 "No app is served at \$host\\n";/);
  assert.match(text, /proxy_next_upstream error timeout;/);
  assert.match(text, /proxy_set_header X-Forwarded-For \$remote_addr;/);
  assert.match(text, /client_max_body_size 0;/);
});

test('an app with a route and no replicas answers 503; upstreams of an app without a route render nothing', () => {
  const text = conf({
    routes: [shop],
    upstreams: { shop: [], gone: [{ name: 'g', host: '127.0.0.1', port: 1 }] },
  });
  assert.match(text, /return 503 "shop has no replica running\\n";/);
  assert.doesNotMatch(text, /^ *upstream /m);
});

test('a name with a certificate: HTTPS with that certificate, its HTTP a 308 keeping the URI; others stay on HTTP', () => {
  const state: EdgeState = {
    ...base,
    certificates: [{ names: ['*.example.com'], chainPem: PEM_CERT, keyPem: PEM_KEY }],
  };
  const [http, https] = serversFor(state, 'shop.example.com');
  assert.match(http ?? '', /return 308 https:\/\/shop\.example\.com\$request_uri;/);
  assert.match(http ?? '', /location \^~ \/\.well-known\/acme-challenge\//);
  assert.match(https ?? '', /listen 443 ssl http2;[\s\S]*ssl_certificate certs\/0\.pem;[\s\S]*proxy_pass/);
  assert.equal(serversFor(state, 'shop.localhost').length, 1);
  // The port is in the URL unless it is 443.
  const onPort = serversFor(state, 'shop.example.com', { ...settings, httpsPublicPort: 8443 })[0];
  assert.match(onPort ?? '', /return 308 https:\/\/shop\.example\.com:8443\$request_uri;/);
  // Without an HTTPS listener, every name is plain HTTP.
  assert.equal(serversFor(state, 'shop.example.com', { ...settings, httpsListen: null }).length, 1);
});

test("HSTS (when set) is on every HTTPS server and replaces the app's; never on plain HTTP", () => {
  const state: EdgeState = {
    ...base,
    routes: [{ ...shop, redirects: [{ from: 'www.example.com', to: 'shop.example.com' }] }],
    certificates: [{ names: ['*.example.com'], chainPem: PEM_CERT, keyPem: PEM_KEY }],
  };
  const hsts = { ...settings, hstsMaxAge: 31536000 };
  const [http, https] = serversFor(state, 'shop.example.com', hsts);
  const header =
    /proxy_hide_header Strict-Transport-Security;\n {2}add_header Strict-Transport-Security max-age=31536000 always;\n {2}location \/ \{/;
  assert.match(https ?? '', header);
  // The redirect-only name's HTTPS server too: its 308 is an HTTPS answer.
  assert.match(serversFor(state, 'www.example.com', hsts)[1] ?? '', header);
  // No plain HTTP server has it (the default one, a redirect to HTTPS, a name without a certificate).
  const plain = [
    http,
    serversFor(state, 'shop.localhost', hsts)[0],
    serversFor(state, 'www.example.com', hsts)[0],
  ];
  for (const server of plain) assert.doesNotMatch(server ?? 'missing', /Strict-Transport-Security/);
  assert.equal((conf(state, hsts).match(/add_header Strict-Transport-Security/g) ?? []).length, 2);
  // Not set: no header, and an app's own passes through.
  assert.doesNotMatch(conf(state), /Strict-Transport-Security/);
  // 0 is valid: it tells browsers to forget an earlier policy.
  assert.match(conf(state, { ...settings, hstsMaxAge: 0 }), /Strict-Transport-Security max-age=0 always;/);
});

test('certificate files are 0600 beside the config; ACME answers are a map every HTTP server reads', () => {
  const files = renderNginxFiles(
    {
      ...base,
      certificates: [{ names: ['shop.example.com'], chainPem: PEM_CERT, keyPem: PEM_KEY }],
      challenges: { tok: 'tok.th' },
    },
    settings,
  );
  assert.deepEqual(
    files.map((f) => [f.path, f.mode]),
    [
      ['nginx.conf', 0o600],
      ['certs/0.pem', 0o600],
      ['certs/0.key', 0o600],
    ],
  );
  assert.match(
    files[0]?.content ?? '',
    /map \$uri \$berth_acme_answer \{\n {4}default "";\n {4}\/\.well-known\/acme-challenge\/tok tok\.th;/,
  );
});

test('redirect-only names go straight to their target, over HTTPS when the target has a certificate', () => {
  const state: EdgeState = {
    ...base,
    routes: [
      {
        ...shop,
        redirects: [
          { from: 'www.example.com', to: 'shop.example.com' },
          { from: 'old.localhost', to: 'shop.localhost' },
        ],
      },
    ],
    certificates: [{ names: ['shop.example.com'], chainPem: PEM_CERT, keyPem: PEM_KEY }],
  };
  assert.match(
    serversFor(state, 'www.example.com')[0] ?? '',
    /return 308 https:\/\/shop\.example\.com\$request_uri;/,
  );
  assert.match(
    serversFor(state, 'old.localhost')[0] ?? '',
    /return 308 http:\/\/shop\.localhost\$request_uri;/,
  );
});

test('<app>.internal is served only to its subnet, by a geo variable on the socket address', () => {
  const text = conf({ ...base, routes: [{ ...shop, internalFrom: '10.89.3.0/24' }] });
  assert.match(text, /geo \$berth_outside_0 \{\n {4}default 1;\n {4}10\.89\.3\.0\/24 0;\n {2}\}/);
  assert.match(
    serversFor({ ...base, routes: [{ ...shop, internalFrom: '10.89.3.0/24' }] }, 'shop.internal')[0] ?? '',
    /if \(\$berth_outside_0\) \{[\s\S]*return 404/,
  );
});

test('hostile or malformed values are refused, naming where they are', () => {
  for (const name of [
    'a.com; }',
    'a"b.com',
    'a.com\nx',
    `${'a'.repeat(300)}.com`,
    'A.COM',
    '*.*.a.com',
    'a.*.com',
    '*a.com',
    'a..com',
    'é.com',
  ])
    refused({ ...base, routes: [{ ...shop, hostnames: [name] }] }, /^routes\[0\]\.hostnames\[0\]$/);
  refused({ ...base, routes: [{ ...shop, appName: 'Shop; }' }] }, /appName/);
  refused({ ...base, routes: [{ ...shop, internalFrom: '10.0.0.0/24; allow all' }] }, /internalFrom/);
  refused(
    { ...base, routes: [{ ...shop, redirects: [{ from: 'x.com', to: 'elsewhere.com' }] }] },
    /redirects\[0\]\.to/,
  );
  refused(
    { ...base, routes: [{ ...shop, redirects: [{ from: 'shop.localhost', to: 'shop.example.com' }] }] },
    /redirects\[0\]/,
  );
  // A wildcard is an app's hostname only: never a redirect's name.
  refused(
    {
      ...base,
      routes: [{ ...shop, hostnames: ['*.a.com'], redirects: [{ from: '*.b.com', to: '*.a.com' }] }],
    },
    /redirects\[0\]\.from/,
  );
  refused({ ...base, routes: [shop, { ...shop, appId: 'b', appName: 'other' }] }, /^routes\[1\]$/);
  refused(
    { ...base, upstreams: { shop: [{ name: 'r', host: 'evil.com; }', port: 1 }] } },
    /upstreams\.shop\[0\]\.host/,
  );
  refused({ ...base, upstreams: { shop: [{ name: 'r', host: '127.0.0.1', port: 70000 }] } }, /port/);
  refused({ ...base, challenges: { 'a b': 'x.y' } }, /challenges/);
  refused({ ...base, challenges: { tok: 'x.y; }' } }, /challenges\.tok/);
  refused(
    { ...base, certificates: [{ names: ['shop.example.com'], chainPem: 'not pem', keyPem: PEM_KEY }] },
    /chainPem/,
  );
  refused(
    { ...base, certificates: [{ names: ['shop.example.com;'], chainPem: PEM_CERT, keyPem: PEM_KEY }] },
    /names\[0\]/,
  );
  refused(base, /httpListen/, { ...settings, httpListen: '0.0.0.0:80; include /etc/passwd' });
  refused(base, /httpsPublicPort/, { ...settings, httpsPublicPort: 0 });
  for (const hstsMaxAge of [-1, 1.5, 63072001, Number.NaN])
    refused(base, /hstsMaxAge/, { ...settings, hstsMaxAge });
  refused(base, /hstsMaxAge/, { ...settings, httpsListen: null, hstsMaxAge: 300 });
});
