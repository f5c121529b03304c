import assert from 'node:assert/strict';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { isBerthError } from '@berth/protocol';
import { renderHtpasswd } from './htpasswd.js';

const good = 'x'.repeat(16);

test('one bcrypt line per user, which checks the password and nothing else', async () => {
  const text = await renderHtpasswd([
    { name: 'agent-a', password: `${good}a` },
    { name: 'agent-b', password: `${good}b` },
  ]);
  const lines = text.split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[2], '');
  const [nameA, hashA = ''] = (lines[0] ?? '').split(':');
  assert.equal(nameA, 'agent-a');
  assert.match(hashA, /^\$2b\$06\$[./A-Za-z0-9]{53}$/);
  assert.ok(await bcrypt.compare(`${good}a`, hashA));
  assert.ok(!(await bcrypt.compare(`${good}b`, hashA)));
});

test('names that could break the file, and weak or truncated passwords, are refused', async () => {
  const refused: [string, { name: string; password: string }[]][] = [
    ['colon in the name', [{ name: 'a:b', password: good }]],
    ['newline in the name', [{ name: 'a\nroot', password: good }]],
    ['upper case name', [{ name: 'Agent', password: good }]],
    ['empty name', [{ name: '', password: good }]],
    [
      'twice the same name',
      [
        { name: 'a', password: good },
        { name: 'a', password: good },
      ],
    ],
    ['short password', [{ name: 'a', password: 'short' }]],
    ['newline in the password', [{ name: 'a', password: `${good}\nb:$2b$` }]],
    ['longer than bcrypt reads', [{ name: 'a', password: 'é'.repeat(37) }]],
  ];
  for (const [why, users] of refused) {
    await assert.rejects(
      renderHtpasswd(users),
      (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
      why,
    );
  }
});

test('a line hashed before is reused for the same password, made anew for a changed one', async () => {
  const hashed = new Map<string, { password: string; line: string }>();
  const first = await renderHtpasswd([{ name: 'agent-a', password: `${good}a` }], hashed);
  const again = await renderHtpasswd(
    [
      { name: 'agent-a', password: `${good}a` },
      { name: 'agent-b', password: `${good}b` },
    ],
    hashed,
  );
  assert.equal(again.split('\n')[0], first.split('\n')[0], 'agent-a not hashed again');
  const changed = await renderHtpasswd([{ name: 'agent-a', password: `${good}c` }], hashed);
  const [, hash = ''] = (changed.split('\n')[0] ?? '').split(':');
  assert.ok(await bcrypt.compare(`${good}c`, hash), 'the new password checks');
  assert.ok(!(await bcrypt.compare(`${good}a`, hash)), 'the old one does not');
});
