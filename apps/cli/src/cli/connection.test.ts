import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isBerthError } from '@berth/protocol';
import { resolveConnection } from './connection.js';
import { saveSession, storedSession } from './credentials.js';

const pin = (c: string): string => `sha256:${c.repeat(64)}`;
const env = (extra: Record<string, string> = {}) => ({
  env: {
    XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'berth-cli-')),
    BERTH_DATA_DIR: '/nonexistent',
    ...extra,
  },
  isRoot: false,
});
const URL = 'https://berth.example.com:7070';

test('a CA pin comes from --fingerprint, else BERTH_FINGERPRINT, else what berth login stored for that URL', () => {
  const e = env({ BERTH_FINGERPRINT: pin('b') });
  assert.equal(resolveConnection({ url: URL, fingerprint: pin('A') }, e).fingerprint, pin('a'));
  assert.equal(resolveConnection({ url: URL }, e).fingerprint, pin('b'));
  const stored = env();
  assert.equal(resolveConnection({ url: URL }, stored).fingerprint, null, 'none: the system CAs');
  // An expired session still remembers which CA the URL has: the next login trusts the same one.
  saveSession(stored, `${URL}/`, {
    token: 't',
    email: 'a@b.c',
    expiresAt: '2000-01-01T00:00:00Z',
    fingerprint: pin('c'),
  });
  assert.equal(storedSession(stored, URL, Date.now()), null);
  assert.deepEqual(resolveConnection({ url: URL }, stored), { url: URL, token: null, fingerprint: pin('c') });
  assert.equal(resolveConnection({ url: 'https://other.example.com' }, stored).fingerprint, null);
});

test('a pin applies to https only; a malformed one is an error naming where it came from', () => {
  assert.equal(
    resolveConnection({ url: 'http://127.0.0.1:7070' }, env({ BERTH_FINGERPRINT: pin('b') })).fingerprint,
    null,
  );
  const refused: [Parameters<typeof resolveConnection>[0], Record<string, string>, RegExp][] = [
    [{ url: 'http://127.0.0.1:7070', fingerprint: pin('a') }, {}, /plain http/],
    [{ url: URL, fingerprint: 'sha256:abc' }, {}, /^--fingerprint must be/],
    [{ url: URL }, { BERTH_FINGERPRINT: 'AB:CD' }, /^BERTH_FINGERPRINT must be/],
  ];
  for (const [flags, extra, message] of refused)
    assert.throws(
      () => resolveConnection(flags, env(extra)),
      (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED' && message.test(err.message),
    );
});
