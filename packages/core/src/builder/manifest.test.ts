import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BerthError, type FieldIssue } from '@berth/protocol';
import { MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';

const issuesOf = (text: string): FieldIssue[] => {
  try {
    parseManifest(text);
  } catch (e) {
    assert.ok(e instanceof BerthError && e.code === 'BUILD_MANIFEST_INVALID', String(e));
    assert.match(e.message, /^berth\.yaml is not valid: /);
    assert.ok(e.hint?.includes('builder'));
    return e.issues;
  }
  assert.fail('expected BUILD_MANIFEST_INVALID');
};

describe('parseManifest()', () => {
  test('an empty file or one of comments is {}', () => {
    assert.deepEqual(parseManifest(''), {});
    assert.deepEqual(parseManifest('# nothing here\n'), {});
  });

  test('every key parses', () => {
    const text = [
      'builder: node',
      'dockerfile: docker/Dockerfile',
      'base_image: node:22-bookworm',
      'build: npm run build',
      'start: node dist/server.js',
      'port: 3000',
      'health_path: /healthz',
      'env:',
      '  NODE_ENV: production',
      'replicas: 2',
    ].join('\n');
    assert.deepEqual(parseManifest(text), {
      builder: 'node',
      dockerfile: 'docker/Dockerfile',
      base_image: 'node:22-bookworm',
      build: 'npm run build',
      start: 'node dist/server.js',
      port: 3000,
      health_path: '/healthz',
      env: { NODE_ENV: 'production' },
      replicas: 2,
    });
  });

  const cases: { name: string; text: string; issues: FieldIssue[] }[] = [
    {
      name: 'unknown keys, one issue each, with their path',
      text: 'port: 80\nbuidler: node\nstrat: x\n',
      issues: [
        { path: 'buidler', message: 'unknown key' },
        { path: 'strat', message: 'unknown key' },
      ],
    },
    {
      name: 'port out of range',
      text: 'port: 70000\n',
      issues: [{ path: 'port', message: 'Too big: expected number to be <=65535' }],
    },
    {
      name: 'port as a string',
      text: 'port: "3000"\n',
      issues: [{ path: 'port', message: 'Invalid input: expected number, received string' }],
    },
    {
      name: 'an env value that is not a string names env.KEY',
      text: 'env:\n  DEBUG: true\n',
      issues: [{ path: 'env.DEBUG', message: 'Invalid input: expected string, received boolean' }],
    },
    {
      name: 'a bad env key names env.KEY',
      text: 'env:\n  bad-key: x\n',
      issues: [
        {
          path: 'env.bad-key',
          message:
            'key must be letters, digits and underscores (not starting with a digit), at most 128 characters',
        },
      ],
    },
    {
      name: 'a start command over two lines',
      text: 'start: "a\\nb"\n',
      issues: [{ path: 'start', message: 'must be one line, without control characters' }],
    },
    {
      name: 'a list at the top level',
      text: '- port: 80\n',
      issues: [{ path: '(top level)', message: 'must be a mapping of keys to values, like "port: 3000"' }],
    },
    {
      name: 'a scalar at the top level',
      text: 'just text\n',
      issues: [{ path: '(top level)', message: 'must be a mapping of keys to values, like "port: 3000"' }],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(issuesOf(c.text), c.issues));
  }

  test('a YAML syntax error names the line', () => {
    const issues = issuesOf('port: 80\nstart: a: b\n');
    assert.equal(issues[0]?.path, 'line 2, column 8');
    assert.match(issues[0]?.message ?? '', /Nested mappings are not allowed/);
  });

  test('a duplicate key is an error, not a silent overwrite', () => {
    assert.match(issuesOf('port: 80\nport: 81\n')[0]?.message ?? '', /Map keys must be unique/);
  });

  test('several documents are an error', () => {
    assert.match(issuesOf('port: 80\n---\nport: 81\n')[0]?.message ?? '', /multiple documents/);
  });

  test('a key that is a collection is an unknown key, and nothing is printed', () => {
    assert.deepEqual(issuesOf('? [port]\n: 80\n'), [{ path: '[ port ]', message: 'unknown key' }]);
  });

  test('an alias bomb is refused', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    ].join('\n');
    assert.match(issuesOf(bomb)[0]?.message ?? '', /alias/i);
  });

  test('a file over 64 KiB is refused before parsing', () => {
    const issues = issuesOf(`# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`);
    assert.deepEqual(issues, [{ path: '(file)', message: 'is larger than 64 KiB' }]);
    // Multi-byte characters count as the bytes they take.
    assert.equal(issuesOf(`# ${'é'.repeat(MAX_MANIFEST_BYTES / 2)}\n`)[0]?.path, '(file)');
  });

  test('the message leads with the first problem', () => {
    assert.throws(
      () => parseManifest('port: 0\nfoo: 1\n'),
      /^BerthError: berth\.yaml is not valid: port: .*\(and 1 more\)$/,
    );
  });
});
