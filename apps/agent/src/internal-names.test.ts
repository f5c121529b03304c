import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredState } from '@berth/protocol';
import { pino } from 'pino';
import { toReplicaLabels } from '@berth/core';
import type { ContainerDetails } from '@berth/engine';
import { InternalNames, teamAppNames, teamDatabases } from './internal-names.js';
import type { TeamNetwork } from './networks.js';

test("each team's names are its apps placed here and served from elsewhere; an app without a team is none", () => {
  const state = {
    version: 1,
    apps: [
      { appId: 'app_w', appName: 'web', teamId: 'tm_red' },
      { appId: 'app_s', appName: 'shop', teamId: 'tm_blue' },
    ],
    elsewhere: [
      { appId: 'app_a', appName: 'api', teamId: 'tm_red', hostnames: [], upstreams: [] },
      { appId: 'app_o', appName: 'old', hostnames: [], upstreams: [] },
    ],
  } as unknown as DesiredState;
  assert.deepEqual(
    teamAppNames(state),
    new Map([
      ['tm_red', new Set(['web', 'api'])],
      ['tm_blue', new Set(['shop'])],
    ]),
  );
});

test('replicas get their gateway as DNS only when the feature can work: root, and an edge off loopback', () => {
  const networks: TeamNetwork[] = [
    { teamId: 'tm_red', name: 'n', bridge: 'bt-red', subnet: '10.89.0.0/24', gateway: '10.89.0.1' },
  ];
  const make = (httpListen: string, isRoot: boolean): InternalNames =>
    new InternalNames({ httpListen, isRoot, log: pino({ level: 'silent' }), clock: () => 0 });
  const on = make(':80', true);
  assert.deepEqual(on.edge, { kind: 'redirect', port: 80 });
  assert.equal(on.dnsFor('tm_red', networks), '10.89.0.1');
  assert.equal(on.dnsFor('tm_blue', networks), null);
  assert.deepEqual(on.subnets(networks), new Map([['tm_red', '10.89.0.0/24']]));
  // An edge on loopback cannot serve <app>.internal, but the DNS still serves <db>.db.internal.
  const loopback = make('127.0.0.1:8080', true);
  assert.equal(loopback.edge, null);
  assert.equal(loopback.dnsFor('tm_red', networks), '10.89.0.1');
  assert.deepEqual(loopback.subnets(networks), new Map());
  const notRoot = make(':80', false);
  assert.equal(notRoot.edge, null);
  assert.equal(notRoot.dnsFor('tm_red', networks), null);
  assert.deepEqual(notRoot.subnets(networks), new Map());
});

test("a database's workload is no <app>.internal; its name is its replica's address on its team's network", () => {
  const database = {
    name: 'main',
    engine: 'postgres',
    port: 5432,
    health: { command: ['pg_isready'], expectOutput: null },
  };
  const state = {
    version: 1,
    apps: [
      { appId: 'app_w', appName: 'web', teamId: 'tm_red', hostnames: ['main.example'] },
      {
        appId: 'app_d',
        appName: 'db-main',
        teamId: 'tm_red',
        revision: 'r2',
        release: { id: 'rel_2' },
        database,
      },
      {
        appId: 'app_e',
        appName: 'db-else',
        teamId: 'tm_blue',
        revision: 'r',
        release: { id: 'rel_e' },
        database,
      },
    ],
  } as unknown as DesiredState;
  assert.deepEqual(teamAppNames(state), new Map([['tm_red', new Set(['web'])]]));
  const networks: TeamNetwork[] = [
    { teamId: 'tm_red', name: 'berth-t-red', bridge: 'bt-red', subnet: '10.89.0.0/24', gateway: '10.89.0.1' },
    {
      teamId: 'tm_blue',
      name: 'berth-t-blue',
      bridge: 'bt-blue',
      subnet: '10.89.1.0/24',
      gateway: '10.89.1.1',
    },
  ];
  const replica = (
    id: string,
    releaseId: string,
    startedAtMs: number,
    address: string,
    status = 'running',
  ) => ({
    id,
    name: id,
    status,
    startedAtMs,
    exitCode: null,
    published: null,
    pid: 1,
    addresses: { 'berth-t-red': address },
    labels: toReplicaLabels({
      agentId: 'agt',
      appId: 'app_d',
      appName: 'db-main',
      releaseId,
      releaseVersion: 1,
      deploymentId: 'dep',
      slot: 1,
      teamId: 'tm_red',
      restartId: null,
    }),
  });
  const containers = [
    replica('old', 'rel_1', 50, '10.89.0.5'),
    replica('new', 'rel_2', 10, '10.89.0.6'),
    replica('dead', 'rel_2', 90, '10.89.0.9', 'exited'),
  ] as ContainerDetails[];
  // The target release's replica wins over an older one still running; the other team's
  // database has no replica here (and its address would be on its own network only).
  assert.deepEqual(
    teamDatabases(state, containers, networks),
    new Map([['tm_red', new Map([['main', '10.89.0.6']])]]),
  );
});
