import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredState } from '@berth/protocol';
import { teamAppNames } from './internal-names.js';

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
