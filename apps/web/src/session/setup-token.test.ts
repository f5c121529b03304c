import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSetupToken, takeSetupToken } from './setup-token.js';

test('the token is the fragment of the setup link', () => {
  assert.equal(readSetupToken('#setup_Ab-9_xYz'), 'setup_Ab-9_xYz');
  assert.equal(readSetupToken('setup_Ab'), 'setup_Ab');
  assert.equal(readSetupToken(''), null);
  assert.equal(readSetupToken('#'), null);
  assert.equal(readSetupToken('#<script>'), null);
  assert.equal(readSetupToken('#%E0%A4%A'), null);
  assert.equal(readSetupToken(`#${'a'.repeat(201)}`), null);
});

test('taking the token leaves the address bar without it', () => {
  const replaced: string[] = [];
  const history = {
    replaceState: (_data: unknown, _unused: string, url?: string) => void replaced.push(url ?? ''),
  };
  const token = takeSetupToken({ pathname: '/setup', search: '', hash: '#setup_abc' }, history);
  assert.equal(token, 'setup_abc');
  assert.deepEqual(replaced, ['/setup']);
});

test('a malformed fragment is removed too; other pages keep theirs', () => {
  const replaced: string[] = [];
  const history = {
    replaceState: (_data: unknown, _unused: string, url?: string) => void replaced.push(url ?? ''),
  };
  assert.equal(takeSetupToken({ pathname: '/setup', search: '?a=1', hash: '#not a token' }, history), null);
  assert.deepEqual(replaced, ['/setup?a=1']);
  assert.equal(takeSetupToken({ pathname: '/apps/web', search: '', hash: '#setup_abc' }, history), null);
  assert.equal(takeSetupToken({ pathname: '/setup', search: '', hash: '' }, history), null);
  assert.deepEqual(replaced, ['/setup?a=1']);
});

test("an invite link's token is taken from its own page only", () => {
  const replaced: string[] = [];
  const history = {
    replaceState: (_data: unknown, _unused: string, url?: string) => void replaced.push(url ?? ''),
  };
  const invite = { pathname: '/invite', search: '', hash: '#bot_abc' };
  assert.equal(takeSetupToken(invite, history), null, 'not a setup link');
  assert.equal(takeSetupToken(invite, history, '/invite'), 'bot_abc');
  assert.deepEqual(replaced, ['/invite']);
});
