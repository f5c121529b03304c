import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredState } from '@berth/protocol';
import { pino } from 'pino';
import { InternalNames, teamAppNames } from './internal-names.js';
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
  for (const off of [make('127.0.0.1:8080', true), make(':80', false)]) {
    assert.equal(off.edge, null);
    assert.equal(off.dnsFor('tm_red', networks), null);
    assert.deepEqual(off.subnets(networks), new Map());
  }
});
