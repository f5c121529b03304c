import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { BerthError } from '@berth/protocol';
import { loadKeyring, retireKey, rotateKeyring } from './keyring.js';
import { assertKeyringMatches, keyCheck, verifyKeyCheck } from './key-check.js';
import type { Keyring } from './keyring.js';
import type { KeyringFile } from './keyring-file.js';

const readData = async (file: string): Promise<KeyringFile> =>
  JSON.parse(await readFile(file, 'utf8')) as KeyringFile;

async function tempFile(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-crypto-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'keys', 'master.json');
}

const envKeyring = (): Promise<Keyring> =>
  loadKeyring({ file: '/nonexistent', envKey: randomBytes(32).toString('base64') });

function assertBerthError(code: string, pattern: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof BerthError, `not a BerthError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  };
}

test('create makes a 0600 keyring file with one current key, in the documented format', async (t) => {
  const file = await tempFile(t);
  const ring = await loadKeyring({ file, create: true });
  assert.equal(ring.source, 'file');
  assert.deepEqual(ring.ids(), [ring.currentId]);
  assert.match(ring.currentId, /^mk_[0-9a-f]{12}$/);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const data = await readData(file);
  assert.equal(data.version, 1);
  assert.equal(data.current, ring.currentId);
  assert.equal(data.keys.length, 1);
  assert.equal(Buffer.from(data.keys[0]!.key, 'base64').length, 32);
  assert.equal(data.keys[0]!.retiredAt, null);
  // No temp files left behind by the atomic write.
  assert.deepEqual(await readdir(join(file, '..')), ['master.json']);
  // Loading again reads the same key instead of making another.
  const again = await loadKeyring({ file, create: true });
  assert.equal(again.currentId, ring.currentId);
  assert.deepEqual(again.key(again.currentId), ring.key(ring.currentId));
});

test('a missing file without create is an error a person can act on', async (t) => {
  const file = await tempFile(t);
  await assert.rejects(
    loadKeyring({ file }),
    assertBerthError(
      'INTERNAL',
      /master key file .*master\.json is missing; restore it from your backup or set BERTH_MASTER_KEY/,
    ),
  );
});

test('a key file others can read is refused, naming the fix', async (t) => {
  const file = await tempFile(t);
  await loadKeyring({ file, create: true });
  await chmod(file, 0o644);
  await assert.rejects(
    loadKeyring({ file }),
    assertBerthError('INTERNAL', /mode 644.*chmod 600 .*master\.json/),
  );
  await chmod(file, 0o640);
  await assert.rejects(loadKeyring({ file }), /chmod 600/);
  await chmod(file, 0o600);
  await loadKeyring({ file });
});

test('malformed key files are refused without quoting their content', async (t) => {
  const file = await tempFile(t);
  const good = await loadKeyring({ file, create: true });
  const data = await readData(file);
  const secret = data.keys[0]!.key;
  const cases: [string, string, RegExp][] = [
    ['not json', `{"key": "${secret}"`, /not valid JSON/],
    ['wrong version', JSON.stringify({ ...data, version: 2 }), /version is not 1/],
    ['no keys', JSON.stringify({ ...data, keys: [] }), /keys is not a list/],
    ['unknown current', JSON.stringify({ ...data, current: 'mk_000000000000' }), /current does not name/],
    [
      'short key',
      JSON.stringify({ ...data, keys: [{ ...data.keys[0], key: 'AAAA' }] }),
      /not base64 of 32 bytes/,
    ],
    [
      'key edited',
      JSON.stringify({ ...data, keys: [{ ...data.keys[0], key: randomBytes(32).toString('base64') }] }),
      /does not match its id/,
    ],
    ['duplicate ids', JSON.stringify({ ...data, keys: [data.keys[0], data.keys[0]] }), /appears twice/],
  ];
  for (const [name, text, pattern] of cases) {
    await writeFile(file, text, { mode: 0o600 });
    await assert.rejects(loadKeyring({ file }), (e: unknown) => {
      assert.ok(e instanceof BerthError, name);
      assert.match(e.message, /master key file .* is malformed/, name);
      assert.match(e.message, pattern, name);
      assert.ok(
        !e.message.includes(secret.slice(0, 8)) && !(e.hint ?? '').includes(secret.slice(0, 8)),
        name,
      );
      return true;
    });
  }
  assert.ok(good.has(data.current));
});

test('BERTH_MASTER_KEY: base64 of exactly 32 bytes, the only and current key', async () => {
  const key = randomBytes(32);
  const ring = await loadKeyring({ file: '/nonexistent/never-read', envKey: `${key.toString('base64')}\n` });
  assert.equal(ring.source, 'env');
  assert.deepEqual(ring.ids(), [ring.currentId]);
  assert.deepEqual(ring.key(ring.currentId), key);
  const bad: [string, RegExp][] = [
    ['', /is empty/],
    ['not base64!', /is not base64/],
    [randomBytes(16).toString('base64'), /decodes to 16 bytes; it must be exactly 32/],
    [randomBytes(33).toString('base64'), /decodes to 33 bytes/],
    [randomBytes(32).toString('base64url'), /./],
  ];
  for (const [envKey, pattern] of bad) {
    await assert.rejects(loadKeyring({ file: '/nonexistent', envKey }), (e: unknown) => {
      assert.ok(e instanceof BerthError);
      assert.equal(e.code, 'VALIDATION_FAILED');
      assert.match(e.message, /^BERTH_MASTER_KEY /);
      assert.match(e.message, pattern);
      assert.equal(e.issues[0]?.path, 'BERTH_MASTER_KEY');
      if (envKey.length > 20) assert.ok(!e.message.includes(envKey.slice(0, 8)));
      return true;
    });
  }
});

test('inspect, String and JSON.stringify of a keyring show ids, never key bytes', async () => {
  const key = randomBytes(32);
  const ring = await loadKeyring({ file: '/nonexistent', envKey: key.toString('base64') });
  const shown = [
    inspect(ring, { showHidden: true, depth: 10 }),
    String(ring),
    JSON.stringify(ring),
    JSON.stringify({ ring }),
  ];
  for (const text of shown) {
    assert.ok(text.includes(ring.currentId), text);
    for (const encoding of ['base64', 'hex', 'base64url'] as const) {
      assert.ok(!text.includes(key.toString(encoding).slice(0, 12)), text);
    }
    assert.ok(!/\d+, \d+, \d+/.test(text), 'no byte arrays');
  }
  assert.deepEqual(Object.keys(ring), ['source', 'currentId']);
});

test('rotate adds a current key, keeps the old one with its retiredAt; retire needs zero uses', async (t) => {
  const file = await tempFile(t);
  const first = await loadKeyring({ file, create: true });
  const { newId } = await rotateKeyring(file);
  const ring = await loadKeyring({ file });
  assert.equal(ring.currentId, newId);
  assert.deepEqual(new Set(ring.ids()), new Set([first.currentId, newId]));
  const data = await readData(file);
  assert.equal(typeof data.keys.find((k) => k.id === first.currentId)?.retiredAt, 'number');
  assert.equal((await stat(file)).mode & 0o777, 0o600);

  await assert.rejects(retireKey(file, newId, 0), assertBerthError('KEY_IN_USE', /is the current key/));
  await assert.rejects(retireKey(file, 'mk_000000000000', 0), assertBerthError('KEY_NOT_FOUND', /is not in/));
  await assert.rejects(
    retireKey(file, first.currentId, 3),
    assertBerthError('KEY_IN_USE', /still seals 3 values/),
  );
  await assert.rejects(retireKey(file, first.currentId, 1), (e: unknown) => {
    assert.ok(e instanceof BerthError && /1 value;/.test(e.message) && /rotate first/.test(e.hint ?? ''));
    return true;
  });
  await retireKey(file, first.currentId, 0);
  assert.deepEqual((await loadKeyring({ file })).ids(), [newId]);
});

test('keys from BERTH_MASTER_KEY cannot be rotated or retired through the file', async (t) => {
  const file = await tempFile(t);
  await loadKeyring({ file, create: true });
  const envKey = randomBytes(32).toString('base64');
  await assert.rejects(
    rotateKeyring(file, { envKey }),
    assertBerthError('VALIDATION_FAILED', /BERTH_MASTER_KEY.*cannot be rotated/),
  );
  await assert.rejects(retireKey(file, 'mk_000000000000', 0, { envKey }), /cannot be retired/);
});

test('keyCheck is stable for a key, differs between keys, and catches a wrong master key', async () => {
  const a = await envKeyring();
  const b = await envKeyring();
  const check = keyCheck(a, a.currentId);
  assert.match(check, /^[0-9a-f]{64}$/);
  assert.equal(keyCheck(a, a.currentId), check);
  assert.notEqual(keyCheck(b, b.currentId), check);
  assert.ok(verifyKeyCheck(a, a.currentId, check));
  assert.ok(!verifyKeyCheck(b, a.currentId, check));
  assert.ok(!verifyKeyCheck(a, a.currentId, check.slice(1)));

  assertKeyringMatches(a, []);
  assertKeyringMatches(a, [{ keyId: a.currentId, check }]);
  assert.throws(
    () => assertKeyringMatches(b, [{ keyId: a.currentId, check }]),
    assertBerthError('INTERNAL', /^wrong master key: .*sealed with mk_/),
  );
  assert.throws(
    () => assertKeyringMatches(a, [{ keyId: a.currentId, check: keyCheck(b, b.currentId) }]),
    /does not match/,
  );
});

test('two processes creating the keyring at once end up with the same key', async (t) => {
  const file = await tempFile(t);
  const rings = await Promise.all(Array.from({ length: 8 }, () => loadKeyring({ file, create: true })));
  const ids = new Set(rings.map((r) => r.currentId));
  assert.equal(ids.size, 1);
  assert.equal((await loadKeyring({ file })).currentId, rings[0]!.currentId);
  assert.throws(() => rings[0]!.key('mk_000000000000'), /mk_000000000000 is missing from the keyring/);
});
