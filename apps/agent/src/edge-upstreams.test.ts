import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredState } from '@berth/protocol';
import { edgeRoutes, edgeUpstreams, remoteUpstreams, withoutRemote } from './edge-upstreams.js';

const up = (name: string, host = '10.0.0.2', port = 40000) => ({ name, host, port });

test('an app with replicas here is served by them; one without, by the other servers’ replicas', () => {
  const local = { web: [up('berth-web-v2-a-1', '127.0.0.1')] };
  const remote = { web: [up('berth-web-v2-a-2')], api: [up('berth-api-v1-b-1')] };
  assert.deepEqual(edgeUpstreams(local, remote), {
    web: [up('berth-web-v2-a-1', '127.0.0.1')],
    api: [up('berth-api-v1-b-1')],
  });
});

test('when the last replica here leaves (a move), the edge turns to the others', () => {
  const remote = { web: [up('berth-web-v3-c-2')] };
  assert.deepEqual(edgeUpstreams({}, remote), remote);
  assert.deepEqual(edgeUpstreams({ web: [] }, remote), remote);
});

test('an app served nowhere has its route and no upstreams', () => {
  assert.deepEqual(edgeUpstreams({}, { web: [] }), {});
});

test('the routes are the apps placed here and those served from elsewhere, each once', () => {
  const routes = edgeRoutes(
    [{ appId: 'app_w', appName: 'web', hostnames: ['web.example.com'] }] as DesiredState['apps'],
    [
      { appId: 'app_w', appName: 'web', hostnames: ['web.example.com'], upstreams: [] },
      { appId: 'app_a', appName: 'api', hostnames: ['api.example.com'], upstreams: [] },
    ],
  );
  assert.deepEqual(
    routes.map((r) => r.appName),
    ['api', 'web'],
  );
});

test('remote upstreams come from the desired state; none from an older berthd', () => {
  const state = {
    version: 1,
    apps: [],
    elsewhere: [{ appId: 'app_a', appName: 'api', hostnames: [], upstreams: [up('berth-api-v1-b-1')] }],
  } satisfies DesiredState;
  assert.deepEqual(remoteUpstreams(state), { api: [up('berth-api-v1-b-1')] });
  assert.deepEqual(remoteUpstreams({ version: 1, apps: [] }), {});
  assert.deepEqual(remoteUpstreams(null), {});
});

test('an edge read back at start keeps only this server’s replicas as its own', () => {
  const readBack = { web: [up('berth-web-v2-a-1', '127.0.0.1'), up('berth-web-v2-a-2')] };
  assert.deepEqual(withoutRemote(readBack, { web: [up('berth-web-v2-a-2')] }), {
    web: [up('berth-web-v2-a-1', '127.0.0.1')],
  });
  assert.deepEqual(withoutRemote({ api: [up('berth-api-v1-b-1')] }, { api: [up('berth-api-v1-b-1')] }), {});
});

test('apps of a team with a network here are also served as <app>.internal to its subnet, others not', () => {
  const routes = edgeRoutes(
    [
      { appId: 'app_w', appName: 'web', teamId: 'tm_red', hostnames: ['web.example.com'] },
    ] as DesiredState['apps'],
    [
      { appId: 'app_a', appName: 'api', teamId: 'tm_red', hostnames: ['api.example.com'], upstreams: [] },
      { appId: 'app_b', appName: 'shop', teamId: 'tm_blue', hostnames: ['shop.example.com'], upstreams: [] },
      { appId: 'app_o', appName: 'old', hostnames: ['old.example.com'], upstreams: [] },
    ],
    new Map([
      ['tm_red', '10.89.0.0/24'],
      ['tm_green', '10.89.1.0/24'],
    ]),
  );
  assert.deepEqual(
    routes.map((r) => [r.appName, r.internalFrom]),
    [
      ['api', '10.89.0.0/24'],
      ['old', undefined],
      ['shop', undefined],
      ['web', '10.89.0.0/24'],
    ],
  );
});

test("a managed database's workload has no route, nor an <app>.internal one, whatever hostnames it carries", () => {
  const database = {
    name: 'main',
    engine: 'postgres',
    port: 5432,
    health: { command: ['x'], expectOutput: null },
  };
  const routes = edgeRoutes(
    [
      { appId: 'app_w', appName: 'web', teamId: 'tm_r', hostnames: ['web.example.com'] },
      { appId: 'app_d', appName: 'db-main', teamId: 'tm_r', hostnames: ['db.example.com'], database },
    ] as DesiredState['apps'],
    [],
    new Map([['tm_r', '10.89.0.0/24']]),
  );
  assert.deepEqual(
    routes.map((r) => [r.appName, r.internalFrom]),
    [['web', '10.89.0.0/24']],
  );
});
