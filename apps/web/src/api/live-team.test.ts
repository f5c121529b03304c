import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveTeamOf } from './live-team.js';

const member = {
  installationOwner: false,
  memberships: [
    { team: 'zeta', role: 'viewer' as const },
    { team: 'acme', role: 'admin' as const },
  ],
};
const owner = { installationOwner: true, memberships: [{ team: 'default', role: 'owner' as const }] };
const nothingRead = { apps: [], appTeam: null };

test('the overview and team pages follow the team they show: the asked one of theirs, else the first', () => {
  assert.equal(liveTeamOf({ kind: 'overview', team: null }, member, nothingRead), 'acme');
  assert.equal(liveTeamOf({ kind: 'overview', team: 'zeta' }, member, nothingRead), 'zeta');
  assert.equal(liveTeamOf({ kind: 'team', team: 'other' }, member, nothingRead), 'acme');
  // An installation owner sees every team whose apps it lists.
  const apps = [{ team: 'default' }, { team: 'beta' }];
  assert.equal(liveTeamOf({ kind: 'overview', team: null }, owner, { apps, appTeam: null }), 'beta');
  assert.equal(liveTeamOf({ kind: 'overview', team: 'default' }, owner, { apps, appTeam: null }), 'default');
});

test("an app page follows its app's team once read; pages without a team follow none", () => {
  assert.equal(liveTeamOf({ kind: 'app', app: 'web' }, member, nothingRead), null);
  assert.equal(liveTeamOf({ kind: 'app', app: 'web' }, member, { apps: [], appTeam: 'zeta' }), 'zeta');
  assert.equal(liveTeamOf({ kind: 'login' }, member, nothingRead), null);
  assert.equal(liveTeamOf({ kind: 'not-found' }, member, nothingRead), null);
  const noTeam = { installationOwner: false, memberships: [] };
  assert.equal(liveTeamOf({ kind: 'overview', team: null }, noTeam, nothingRead), null);
});
