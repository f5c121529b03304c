import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '@berth/protocol';
import {
  renderEdgeHttpServer,
  renderEdgeTlsApp,
  renderStaticEdgeConfig,
  type EdgeTlsSettings,
} from './tls-config.js';

const settings: EdgeTlsSettings = {
  httpListen: ':80',
  httpsListen: ':443',
  httpsPublicPort: 443,
  certificateUrl: 'http://127.0.0.1:7801/edge/certificate',
  askUrl: 'http://127.0.0.1:7801/edge/ask',
  acmeSinkUrl: 'http://127.0.0.1:7801/edge/no-acme',
  challengeDial: '127.0.0.1:7801',
  dnsSocket: '/var/lib/berth/dns.sock',
  upstreamRefreshMs: 250,
};

test('every name gets its certificate from the agent; the only issuer is a loopback sink', () => {
  assert.deepEqual(renderEdgeTlsApp(settings), {
    automation: {
      policies: [
        {
          get_certificate: [{ via: 'http', url: 'http://127.0.0.1:7801/edge/certificate' }],
          issuers: [{ module: 'acme', ca: 'http://127.0.0.1:7801/edge/no-acme' }],
        },
      ],
      on_demand: { ask: 'http://127.0.0.1:7801/edge/ask' },
    },
  });
});

test('the config does not depend on any app: it is the same whatever is served', () => {
  const once = JSON.stringify(renderStaticEdgeConfig('/run/caddy.sock', settings));
  assert.equal(JSON.stringify(renderStaticEdgeConfig('/run/caddy.sock', settings)), once);
  assert.match(once, /"name":"\{http\.request\.host\}\.hosts\.berth\.internal"/);
  assert.doesNotMatch(once, /"subjects"/);
});

test('redirects leave port 443 out and keep any other', () => {
  const location = (port: number): unknown =>
    JSON.stringify(renderEdgeHttpServer({ ...settings, httpsPublicPort: port })).match(
      /"Location":\["([^"]+)"\]/,
    )?.[1];
  assert.equal(location(443), 'https://{http.request.host}{http.request.uri}');
  assert.equal(location(8443), 'https://{http.request.host}:8443{http.request.uri}');
});

test('endpoints that are not loopback HTTP are refused', () => {
  for (const bad of [
    { certificateUrl: 'https://agent.example/edge/certificate' },
    { askUrl: 'http://10.0.0.1:7801/edge/ask' },
    { acmeSinkUrl: 'https://acme-v02.api.letsencrypt.org/directory' },
    { challengeDial: 'agent:80' },
    { httpsListen: '0.0.0.0:443 ' },
    { httpsPublicPort: 0 },
  ])
    assert.throws(
      () => renderEdgeTlsApp({ ...settings, ...bad }),
      (e: unknown) => e instanceof BerthError && e.code === 'INTERNAL',
      JSON.stringify(bad),
    );
});
