import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '@berth/protocol';
import { renderEdgeConfig, renderEdgeTlsApp, type EdgeSettings } from './edge-config.js';

const https = {
  listen: ':443',
  certificateUrl: 'http://127.0.0.1:7801/edge/certificate',
  askUrl: 'http://127.0.0.1:7801/edge/ask',
  acmeSinkUrl: 'http://127.0.0.1:7802/no-acme',
};
const settings: EdgeSettings = {
  httpListen: ':80',
  dnsSocket: '/var/lib/berth/dns.sock',
  upstreamRefreshMs: 250,
  responderDial: '127.0.0.1:7802',
  https,
};

test('every name gets its certificate from the edge service; the only issuer is a loopback sink', () => {
  assert.deepEqual(renderEdgeTlsApp(https), {
    automation: {
      policies: [
        {
          get_certificate: [{ via: 'http', url: 'http://127.0.0.1:7801/edge/certificate' }],
          issuers: [{ module: 'acme', ca: 'http://127.0.0.1:7802/no-acme' }],
        },
      ],
      on_demand: { ask: 'http://127.0.0.1:7801/edge/ask' },
    },
  });
});

test('the config names no app: hosts are SRV names built per request', () => {
  const text = JSON.stringify(renderEdgeConfig('/run/caddy.sock', settings));
  assert.match(text, /"name":"\{http\.request\.host\}\.hosts\.berth\.internal"/);
  assert.match(text, /"name":"\{http\.request\.host\}\.plain-hosts\.berth\.internal"/);
  assert.match(
    text,
    /"name":"\{http\.request\.host\}\.from-\{http\.request\.remote\.host\}\.hosts\.berth\.internal"/,
  );
  assert.doesNotMatch(text, /"subjects"/);
  assert.equal(JSON.stringify(renderEdgeConfig('/run/caddy.sock', settings)), text);
});

test('HTTP-01 goes to the responder for any host, before any other route', () => {
  const config = renderEdgeConfig('/run/caddy.sock', settings) as {
    apps: { http: { servers: { berth: { routes: { match?: unknown; handle: unknown[] }[] } } } };
  };
  const first = config.apps.http.servers.berth.routes[0];
  assert.deepEqual(first?.match, [{ path: ['/.well-known/acme-challenge/*'] }]);
  assert.deepEqual(first?.handle, [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:7802' }] }]);
});

test('without HTTPS there is no TLS server and no tls app', () => {
  const config = renderEdgeConfig('/run/caddy.sock', { ...settings, https: null }) as {
    apps: { http: { servers: Record<string, unknown> }; tls?: unknown };
  };
  assert.deepEqual(Object.keys(config.apps.http.servers), ['berth']);
  assert.equal(config.apps.tls, undefined);
});

test("HSTS (when set) is on every HTTPS response, deferred so it replaces the app's; never on plain HTTP", () => {
  type Server = { routes: { handle: { handler: string }[] }[]; errors?: unknown };
  const servers = (hstsMaxAge?: number): Record<string, Server> =>
    (
      renderEdgeConfig('/run/caddy.sock', {
        ...settings,
        https: { ...https, ...(hstsMaxAge === undefined ? {} : { hstsMaxAge }) },
      }) as { apps: { http: { servers: Record<string, Server> } } }
    ).apps.http.servers;
  const hsts = {
    handler: 'headers',
    response: { set: { 'Strict-Transport-Security': ['max-age=31536000'] }, deferred: true },
  };
  const on = servers(31536000);
  assert.deepEqual(on['berth-tls']?.routes[0]?.handle[0], hsts);
  assert.equal(on['berth-tls']?.routes[0]?.handle[1]?.handler, 'reverse_proxy');
  // Caddy's own error answers (no replica answered) skip the routes: the error routes add it.
  assert.deepEqual(on['berth-tls']?.errors, { routes: [{ handle: [hsts] }] });
  assert.doesNotMatch(JSON.stringify(on.berth), /Strict-Transport-Security/);
  assert.doesNotMatch(JSON.stringify(servers()), /Strict-Transport-Security|"errors"/);
  // 0 is valid: it tells browsers to forget an earlier policy.
  assert.match(JSON.stringify(servers(0)), /"max-age=0"/);
});

test('endpoints that are not loopback HTTP are refused', () => {
  for (const bad of [
    { https: { ...https, certificateUrl: 'https://agent.example/edge/certificate' } },
    { https: { ...https, askUrl: 'http://10.0.0.1:7801/edge/ask' } },
    { https: { ...https, acmeSinkUrl: 'https://acme-v02.api.letsencrypt.org/directory' } },
    { https: { ...https, listen: '0.0.0.0:443 ' } },
    { responderDial: 'agent:80' },
    { httpListen: ':80; evil' },
    ...[-1, 0.5, 63072001, Number.NaN].map((hstsMaxAge) => ({ https: { ...https, hstsMaxAge } })),
  ])
    assert.throws(
      () => renderEdgeConfig('/run/caddy.sock', { ...settings, ...bad }),
      (e: unknown) => e instanceof BerthError && e.code === 'INTERNAL',
      JSON.stringify(bad),
    );
});
