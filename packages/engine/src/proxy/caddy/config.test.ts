import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toAppRoutes } from '@berth/core';
import { BerthError } from '@berth/protocol';
import { toUpstreamStatuses } from './admin-client.js';
import { isSameCaddyConfig } from './caddy-proxy.js';
import { renderCaddyBootConfig, renderCaddyConfig, toCaddyDuration } from './config.js';

const settings = { httpListen: '127.0.0.1:8080', dnsSocket: '/data/dns.sock', upstreamRefreshMs: 250 };
const routes = toAppRoutes([
  { appId: 'app_b', appName: 'blog', hostnames: ['blog.example.com', 'www.blog.example.com'] },
  { appId: 'app_a', appName: 'api', hostnames: ['api.example.com'] },
]);

/** The parts of the rendered config these tests look at. */
interface Rendered {
  apps: {
    http: { servers: { berth: { listen: string[]; automatic_https: unknown; routes: RenderedRoute[] } } };
  };
}
interface RenderedRoute {
  match?: unknown;
  handle: {
    handler: string;
    dynamic_upstreams?: unknown;
    transport?: unknown;
    load_balancing?: unknown;
    status_code?: number;
    body?: string;
  }[];
}

test('the boot config is the admin API on its unix socket, and every config keeps it identical', () => {
  const boot = renderCaddyBootConfig('/data/admin.sock');
  assert.deepEqual(boot, { admin: { listen: 'unix//data/admin.sock' } });
  const full = renderCaddyConfig({ adminSocket: '/data/admin.sock', settings, routes });
  assert.deepEqual(full.admin, boot.admin);
});

test('each app routes its hostnames to SRV upstreams resolved through the DNS socket', () => {
  const cfg = renderCaddyConfig({ adminSocket: '/data/admin.sock', settings, routes }) as unknown as Rendered;
  const server = cfg.apps.http.servers.berth;
  assert.deepEqual(server.listen, ['127.0.0.1:8080']);
  assert.deepEqual(server.automatic_https, { disable: true });
  assert.equal(server.routes.length, 3);
  const [api, blog, notFound] = server.routes as [RenderedRoute, RenderedRoute, RenderedRoute];
  assert.deepEqual(api.match, [{ host: ['api.example.com'] }]);
  assert.deepEqual(blog.match, [{ host: ['blog.example.com', 'www.blog.example.com'] }]);
  const handler = api.handle[0]!;
  assert.equal(handler.handler, 'reverse_proxy');
  assert.deepEqual(handler.dynamic_upstreams, {
    source: 'srv',
    name: 'api.apps.berth.internal',
    refresh: '250ms',
    resolver: { addresses: ['unix//data/dns.sock'] },
  });
  assert.deepEqual(handler.transport, { protocol: 'http', resolver: { addresses: ['unix//data/dns.sock'] } });
  assert.deepEqual(handler.load_balancing, { try_duration: '5s', try_interval: '50ms' });
  assert.equal(notFound.match, undefined);
  assert.equal(notFound.handle[0]?.status_code, 404);
  assert.equal(notFound.handle[0]?.body, 'No app is served at {http.request.host}\n');
});

test('an app without hostnames gets no route (an empty host matcher would match everything)', () => {
  const cfg = renderCaddyConfig({
    adminSocket: '/a.sock',
    settings,
    routes: toAppRoutes([{ appId: 'x', appName: 'quiet', hostnames: [] }]),
  }) as unknown as Rendered;
  assert.equal(cfg.apps.http.servers.berth.routes.length, 1);
});

test('a hostname with placeholder syntax never reaches the config', () => {
  for (const bad of ['{env.HOME}.example.com', 'a b.com', 'x.com/path', '']) {
    const r = toAppRoutes([{ appId: 'x', appName: 'web', hostnames: [bad] }]);
    assert.throws(
      () => renderCaddyConfig({ adminSocket: '/a.sock', settings, routes: r }),
      (e: unknown) => {
        return e instanceof BerthError && e.code === 'INTERNAL';
      },
    );
  }
});

test('rendering is deterministic, and the comparison ignores key order', () => {
  const a = renderCaddyConfig({ adminSocket: '/a.sock', settings, routes });
  const b = renderCaddyConfig({ adminSocket: '/a.sock', settings, routes: [...routes] });
  assert.ok(isSameCaddyConfig(a, b));
  const reordered: unknown = JSON.parse(JSON.stringify({ apps: a.apps, admin: a.admin }));
  assert.ok(isSameCaddyConfig(a, reordered));
  assert.ok(
    !isSameCaddyConfig(a, renderCaddyConfig({ adminSocket: '/a.sock', settings, routes: routes.slice(1) })),
  );
  assert.ok(!isSameCaddyConfig(null, a));
});

test('durations are whole milliseconds, at least one', () => {
  assert.equal(toCaddyDuration(250), '250ms');
  assert.equal(toCaddyDuration(0), '1ms');
  assert.equal(toCaddyDuration(1.6), '2ms');
});

test('upstream statuses are read from Caddy and bad entries skipped', () => {
  assert.deepEqual(
    toUpstreamStatuses([
      { address: 'r1.replicas.berth.internal.:4001', num_requests: 2, fails: 0 },
      { address: 5 },
      null,
      { address: 'r2.replicas.berth.internal.:4002' },
    ]),
    [
      { address: 'r1.replicas.berth.internal.:4001', inflight: 2, fails: 0 },
      { address: 'r2.replicas.berth.internal.:4002', inflight: 0, fails: 0 },
    ],
  );
  assert.deepEqual(toUpstreamStatuses(null), []);
});

test('<app>.internal is served to its team subnet only, with the same upstreams, before the 404', () => {
  const internal = [
    { appId: 'app_a', appName: 'api', hostnames: ['api.example.com'], internalFrom: '10.89.0.0/24' },
    { appId: 'app_w', appName: 'worker', hostnames: [], internalFrom: '10.89.1.0/24' },
    { appId: 'app_b', appName: 'blog', hostnames: ['blog.example.com'] },
  ];
  const cfg = renderCaddyConfig({
    adminSocket: '/data/admin.sock',
    settings,
    routes: internal,
  }) as unknown as Rendered;
  const all = cfg.apps.http.servers.berth.routes;
  assert.deepEqual(
    all.map((r) => r.match),
    [
      [{ host: ['api.example.com'] }],
      [{ host: ['blog.example.com'] }],
      [{ host: ['api.internal'], remote_ip: { ranges: ['10.89.0.0/24'] } }],
      [{ host: ['worker.internal'], remote_ip: { ranges: ['10.89.1.0/24'] } }],
      undefined,
    ],
  );
  assert.deepEqual(all[2]?.handle, all[0]?.handle, 'the public route and the internal one share upstreams');
  assert.throws(
    () =>
      renderCaddyConfig({
        adminSocket: '/data/admin.sock',
        settings,
        routes: [{ appId: 'app_a', appName: 'api', hostnames: [], internalFrom: '0.0.0.0/0 {env.X}' }],
      }),
    BerthError,
  );
});
