import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSetupToken } from '../session/setup-token.js';
import { inviteLink, isEmail, mayWithdraw, memberControls } from './members.js';

const ivy = { email: 'ivy@example.com', role: 'operator' as const };

test('who manages the team changes and removes members up to its own role, never its own row', () => {
  assert.deepEqual(memberControls('owner', 'own@example.com', ivy), {
    roles: ['viewer', 'operator', 'admin', 'owner'],
    remove: true,
  });
  assert.deepEqual(memberControls('admin', 'adm@example.com', ivy), {
    roles: ['viewer', 'operator', 'admin'],
    remove: true,
  });
  const none = { roles: [], remove: false };
  // An admin may not touch an owner; an operator or viewer manages nobody.
  assert.deepEqual(memberControls('admin', 'adm@example.com', { ...ivy, role: 'owner' }), none);
  assert.deepEqual(memberControls('operator', 'op@example.com', { ...ivy, role: 'viewer' }), none);
  assert.deepEqual(memberControls(null, 'x@example.com', ivy), none);
  assert.deepEqual(memberControls('owner', 'IVY@example.com', ivy), none);
  assert.equal(mayWithdraw('admin', 'admin'), true);
  assert.equal(mayWithdraw('admin', 'owner'), false);
  assert.equal(mayWithdraw('viewer', 'viewer'), false);
});

test('emails follow berthd; hostile text is not one', () => {
  assert.equal(isEmail('ada@example.com'), true);
  assert.equal(isEmail("o'hara+x@mail.example.org"), true);
  for (const bad of [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>@x.io',
    'javascript:alert(1)',
    'ada@localhost',
    '',
  ])
    assert.equal(isEmail(bad), false, bad);
});

test('an invite link carries its token in the fragment, as the invite page reads it', () => {
  const token = 'bot_AbC-12_xyz';
  const link = inviteLink('https://berth.example.com', token);
  assert.equal(link, 'https://berth.example.com/invite#bot_AbC-12_xyz');
  const url = new URL(link);
  assert.deepEqual([url.pathname, url.search, readSetupToken(url.hash)], ['/invite', '', token]);
});
