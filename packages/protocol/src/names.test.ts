import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { z } from 'zod';
import {
  AppName,
  Command,
  DeployImageRef,
  DomainName,
  Email,
  Env,
  EnvKey,
  EnvValue,
  HttpPath,
  Id,
  IdempotencyKey,
  ImageRef,
  TokenName,
} from './names.js';

/** Every value in `ok` passes and every one in `bad` is refused. */
function table(schema: z.ZodType, ok: readonly unknown[], bad: readonly unknown[]): void {
  for (const v of ok) assert.ok(schema.safeParse(v).success, `should pass: ${JSON.stringify(v)}`);
  for (const v of bad)
    assert.equal(schema.safeParse(v).success, false, `should be refused: ${JSON.stringify(v)}`);
}

test('app names are DNS labels, nothing that could break out of a hostname or container name', () => {
  table(
    AppName,
    ['a', 'web', 'web-2', `a${'b'.repeat(31)}`],
    [
      '',
      `a${'b'.repeat(32)}`,
      '2web',
      'web-',
      '-web',
      'we--b',
      'Web',
      'web.x',
      'web\n',
      'wеb', // a Cyrillic е
      'web ',
      'a/b',
      42,
      null,
    ],
  );
});

test('env keys and values: shell-safe names, no NUL, sizes at their limits', () => {
  table(
    EnvKey,
    ['A', '_x', 'PORT_2', `A${'B'.repeat(127)}`],
    ['', '1A', 'A-B', 'A B', `A${'B'.repeat(128)}`],
  );
  table(EnvValue, ['', 'a b=c', 'x'.repeat(32 * 1024)], ['a\0b', 'x'.repeat(32 * 1024 + 1)]);
  const many = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`K${i}`, 'v']));
  assert.equal(Env.safeParse(many).success, false, '257 variables');
  delete many.K256;
  assert.ok(Env.safeParse(many).success, '256 variables');
});

test('a __proto__ key in a body can neither set the prototype of the env nor pollute objects', () => {
  // JSON.parse makes __proto__ an own key, as a request body would; zod leaves it out.
  const r = Env.safeParse(JSON.parse('{"__proto__": {"polluted": "yes"}, "A": "1"}'));
  assert.ok(r.success);
  assert.deepEqual(Object.keys(r.data), ['A']);
  assert.equal(Object.getPrototypeOf(r.data), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('image references: registries, tags and digests; never an image id to deploy', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  table(
    ImageRef,
    ['nginx', 'nginx:1.27', 'localhost/hello:1', 'ghcr.io/acme/api@' + digest, 'registry:5000/a/b_c:v1.2-rc'],
    [
      '',
      'Nginx',
      'nginx:',
      ':tag',
      'nginx;rm -rf /',
      'nginx latest',
      '../x',
      'a'.repeat(256),
      'nginx@sha256:abc',
    ],
  );
  table(DeployImageRef, ['nginx', 'nginx:1', 'caf3-x'], [digest, 'cafe', 'abc123', 'sha256:abc']);
});

test('health paths are absolute paths with a simple query, nothing a URL could be bent with', () => {
  table(
    HttpPath,
    ['/', '/healthz', '/a/b?x=1&y=2', '/%20'],
    ['', 'healthz', 'http://x/', '/a b', '/a\nb', '/a#frag', '/a?x=<', `/${'a'.repeat(256)}`],
  );
});

test('ids, idempotency keys, token names, domains and emails', () => {
  table(
    Id,
    ['app_abcdefghijklmnopqrst', 'rel_22222222222222222222'],
    ['app_ABCDEFGHIJKLMNOPQRST', 'app_abc', 'x_abcdefghijklmnopqrst', 'app_abcdefghijklmnopqrs1'],
  );
  table(IdempotencyKey, ['a', 'deploy:2026-12-01.1', 'k'.repeat(128)], ['', 'a b', 'k'.repeat(129), 'ä']);
  table(TokenName, ['ci', 'ci.deploy-1', 'a'], ['', '-ci', 'ci-', 'CI', 'a'.repeat(65)]);
  table(
    DomainName,
    ['localhost', 'apps.example.com', 'a-1.b'],
    ['', 'Apps.example.com', '-a.b', 'a..b', 'a.b.', `${'a'.repeat(201)}`],
  );
  table(
    Email,
    ['ada@example.com', 'Ada.Lovelace+x@Example.COM'],
    [
      'ada',
      'ada@example',
      '"a"@example.com',
      'a b@example.com',
      `${'a'.repeat(65)}@example.com`,
      'ada@[127.0.0.1]',
    ],
  );
});

test('a command is argv: 1 to 64 non-empty arguments without NUL', () => {
  table(
    Command,
    [['node'], ['sh', '-c', 'echo $PORT']],
    [[], [''], ['a\0'], 'node server.js', Array(65).fill('x')],
  );
});
