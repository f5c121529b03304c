import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readsAudit, verifiesChain } from './audit-access.js';

test('owners and admins of a team read its log; only an installation owner verifies the chain', () => {
  const owner = { installationOwner: true, memberships: [{ team: 'default', role: 'owner' as const }] };
  const admin = { installationOwner: false, memberships: [{ team: 'shop', role: 'admin' as const }] };
  const operator = {
    installationOwner: false,
    memberships: [
      { team: 'shop', role: 'operator' as const },
      { team: 'blog', role: 'viewer' as const },
    ],
  };
  assert.deepEqual(
    [owner, admin, operator].map((me) => [readsAudit(me), verifiesChain(me)]),
    [
      [true, true],
      [true, false],
      [false, false],
    ],
  );
  assert.equal(readsAudit({ installationOwner: false, memberships: [] }), false);
});
