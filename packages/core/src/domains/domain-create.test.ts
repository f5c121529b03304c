import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainCreate } from '@berth/protocol';
import { parseDomainCreate } from './domain-create.js';

/** `berth domains add web example.com --redirect-from www.example.com`, as the API will read it. */

test('the main name and its redirects come out canonical', () => {
  const body = DomainCreate.parse({
    name: 'Bücher.Example',
    redirectFrom: ['www.bücher.example', 'WWW2.xn--bcher-kva.example.'],
  });
  assert.deepEqual(parseDomainCreate(body, { wildcard: false }), {
    ok: true,
    primary: { name: 'xn--bcher-kva.example', unicode: 'bücher.example' },
    redirectFrom: [
      { name: 'www.xn--bcher-kva.example', unicode: 'www.bücher.example' },
      { name: 'www2.xn--bcher-kva.example', unicode: 'www2.bücher.example' },
    ],
  });
  assert.deepEqual(parseDomainCreate({ name: 'example.com' }, { wildcard: false }), {
    ok: true,
    primary: { name: 'example.com', unicode: 'example.com' },
    redirectFrom: [],
  });
});

test('every bad name is named by its field; a name given twice is refused', () => {
  const result = parseDomainCreate(
    {
      name: 'exаmple.com',
      redirectFrom: ['www.example.com', 'a.com; }', 'WWW.example.com', '*.example.com'],
    },
    { wildcard: true },
  );
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(
    result.issues.map((i) => i.path),
    ['name', 'redirectFrom.1', 'redirectFrom.2', 'redirectFrom.3'],
  );
  assert.match(result.issues[0]?.message ?? '', /mixes Latin .* and Cyrillic/);
  assert.match(result.issues[2]?.message ?? '', /names "www.example.com" a second time/);
  assert.match(result.issues[3]?.message ?? '', /wildcard, which is not allowed here/);

  const same = parseDomainCreate(
    { name: 'example.com', redirectFrom: ['Example.com.'] },
    { wildcard: false },
  );
  assert.deepEqual(same, {
    ok: false,
    issues: [{ path: 'redirectFrom.0', message: 'names "example.com" a second time' }],
  });
  const wildcard = parseDomainCreate({ name: '*.example.com' }, { wildcard: false });
  assert.equal(wildcard.ok, false);
});

test('the input schema already refuses config and shell syntax, before any parsing', () => {
  for (const name of [
    'a.com; }',
    'a.com\n',
    'a"b.com',
    'a{b}.com',
    '$x.com',
    'a b.com',
    'a\u0000.com',
    'a\u202e.com',
  ]) {
    assert.equal(DomainCreate.safeParse({ name }).success, false, JSON.stringify(name));
    assert.equal(DomainCreate.safeParse({ name: 'example.com', redirectFrom: [name] }).success, false);
  }
  assert.equal(DomainCreate.safeParse({ name: 'example.com', extra: 1 }).success, false, 'unknown fields');
  assert.equal(DomainCreate.safeParse({ name: 'x'.repeat(1025) }).success, false);
  for (const name of [' bücher.example ', '*.example.com', 'ｅｘａｍｐｌｅ。ｃｏｍ', 'пример.рф']) {
    assert.equal(DomainCreate.safeParse({ name }).success, true, name);
  }
});

test('nothing redirects to a wildcard: it is many names, not one to go to', () => {
  const parsed = parseDomainCreate(
    { name: '*.example.com', redirectFrom: ['www.example.org'] },
    { wildcard: true },
  );
  assert.equal(parsed.ok, false);
  assert.deepEqual(!parsed.ok && parsed.issues.map((i) => i.path), ['redirectFrom']);
  assert.equal(parseDomainCreate({ name: '*.example.com' }, { wildcard: true }).ok, true);
});
