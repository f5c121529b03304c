import assert from 'node:assert/strict';
import { test } from 'node:test';
import { can, grantableRoles, mayGrant, pickTeam, roleIn, teamsOf, type Action } from './roles.js';

const ACTIONS: readonly Action[] = [
  'app:read',
  'app:write',
  'app:deploy',
  'app:logs',
  'secret:write',
  'team:read',
  'team:manage',
  'audit:read',
];
const allowed = (role: Parameters<typeof can>[0]): Action[] => ACTIONS.filter((a) => can(role, a));

test('each role may do what berthd allows it, and no more', () => {
  assert.deepEqual(allowed('viewer'), ['app:read', 'team:read']);
  assert.deepEqual(allowed('operator'), ['app:read', 'app:deploy', 'app:logs', 'secret:write', 'team:read']);
  assert.deepEqual(allowed('admin'), ACTIONS);
  assert.deepEqual(allowed('owner'), ACTIONS);
});

test('a viewer sees no deploy or edit action; without a role nothing is allowed', () => {
  assert.equal(can('viewer', 'app:deploy'), false);
  assert.equal(can('viewer', 'app:write'), false);
  assert.deepEqual(allowed(null), []);
});

test('the role in a team is the membership, or owner everywhere for an installation owner', () => {
  const me = {
    installationOwner: false,
    memberships: [
      { team: 'default', role: 'viewer' as const },
      { team: 'shop', role: 'operator' as const },
    ],
  };
  assert.equal(roleIn(me, 'shop'), 'operator');
  assert.equal(roleIn(me, 'default'), 'viewer');
  assert.equal(roleIn(me, 'other'), null);
  assert.equal(roleIn({ installationOwner: true, memberships: [] }, 'other'), 'owner');
});

test('the teams to switch between: own memberships, plus the teams an installation owner sees apps of', () => {
  const memberships = [
    { team: 'shop', role: 'admin' as const },
    { team: 'default', role: 'owner' as const },
  ];
  const apps = [{ team: 'blog' }, { team: 'shop' }];
  assert.deepEqual(teamsOf({ installationOwner: false, memberships }, apps), ['default', 'shop']);
  assert.deepEqual(teamsOf({ installationOwner: true, memberships }, apps), ['blog', 'default', 'shop']);
});

test('a role hands out no more than it holds, and only where it manages the team', () => {
  assert.deepEqual(grantableRoles('owner'), ['viewer', 'operator', 'admin', 'owner']);
  assert.deepEqual(grantableRoles('admin'), ['viewer', 'operator', 'admin']);
  assert.deepEqual(grantableRoles('operator'), []);
  assert.deepEqual(grantableRoles('viewer'), []);
  assert.deepEqual(grantableRoles(null), []);
  assert.equal(mayGrant('admin', 'owner'), false);
  assert.equal(mayGrant('admin', 'admin'), true);
  assert.equal(mayGrant('owner', 'owner'), true);
  assert.equal(mayGrant(null, 'viewer'), false);
});

test('a page shows the team asked for when the user has it, else the first', () => {
  assert.equal(pickTeam(['default', 'shop'], 'shop'), 'shop');
  assert.equal(pickTeam(['default', 'shop'], 'other'), 'default');
  assert.equal(pickTeam(['default', 'shop'], null), 'default');
  assert.equal(pickTeam([], 'shop'), null);
});
