import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command, InvalidArgumentError } from 'commander';
import { limitsInput, withLimitOptions, type LimitOptions } from './limits.js';
import { CliError } from './output.js';
import { collect, gitRefOf, parseDurationArg, parseEnvPairs, parseIntArg } from './parse.js';

test('whole numbers within bounds; anything else names the range', () => {
  const replicas = parseIntArg(0, 64);
  assert.deepEqual(['0', '64', '007'].map(replicas), [0, 64, 7]);
  // '' and ' ' would be 0 replicas to Number(); '1e1' and '0x10' are not how anyone writes 10 or 16.
  for (const bad of ['65', '-1', '1.5', '', ' ', 'two', '1e1', '0x10', 'Infinity', '+1'])
    assert.throws(
      () => replicas(bad),
      { message: 'expected a whole number from 0 to 64' },
      JSON.stringify(bad),
    );
  assert.throws(() => replicas('65'), InvalidArgumentError);
});

test('durations: 500ms, 10s, 2m (a bare number is ms); nonsense says what is expected', () => {
  assert.deepEqual(
    ['500ms', '10s', '2m', '1.5s', '250'].map(parseDurationArg),
    [500, 10_000, 120_000, 1500, 250],
  );
  for (const bad of ['ten seconds', '-5s', '', '5 s', '1w'])
    assert.throws(() => parseDurationArg(bad), { message: 'expected a duration like 500ms, 10s or 2m' }, bad);
});

test('KEY=VALUE pairs: the value may hold = and be empty; the key must be a variable name', () => {
  assert.deepEqual(parseEnvPairs(['A=1', 'URL=postgres://u:p@h/db?x=y', 'EMPTY=', '_k=v v']), {
    A: '1',
    URL: 'postgres://u:p@h/db?x=y',
    EMPTY: '',
    _k: 'v v',
  });
  for (const bad of ['NOVALUE', '=x', '1A=x', 'A-B=x', ' A=x', 'A B=x'])
    assert.throws(() => parseEnvPairs([bad]), {
      message: `"${bad}" is not KEY=VALUE with a key of letters, digits and underscores, not starting with a digit`,
    });
  assert.deepEqual(parseEnvPairs(['A=1', 'A=2']), { A: '2' }, 'the last one wins, as in a shell');
});

test('repeatable flags collect in order', () => {
  assert.deepEqual(collect('b', collect('a')), ['a', 'b']);
});

test('--branch, --tag or --commit: at most one, and a valid ref', () => {
  assert.equal(gitRefOf({}), undefined);
  assert.deepEqual(gitRefOf({ branch: 'main' }), { kind: 'branch', name: 'main' });
  assert.deepEqual(gitRefOf({ commit: 'a'.repeat(40) }), { kind: 'commit', name: 'a'.repeat(40) });
  assert.throws(
    () => gitRefOf({ branch: 'main', tag: 'v1' }),
    (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.message, 'give one of --branch, --tag and --commit, not branch and tag');
      assert.equal(e.exitCode, 1);
      return true;
    },
  );
  assert.throws(() => gitRefOf({ branch: '-evil' }), { message: /^--branch "-evil" / });
  assert.throws(() => gitRefOf({ tag: 'a..b' }), { message: /^--tag "a\.\.b" / });
});

/** Parses argv the way commander does for `berth scale`, returning the limit options. */
function limitsFrom(...args: string[]): LimitOptions {
  const command = withLimitOptions(
    new Command('scale').exitOverride().configureOutput({ writeErr: () => undefined }),
    '',
  );
  command.parse(args, { from: 'user' });
  return command.opts<LimitOptions>();
}

test('--cpu, --memory and --pids become limits, in the units the API takes', () => {
  assert.deepEqual(limitsInput(limitsFrom('--cpu', '0.5', '--memory', '1.5G', '--pids', '256')), {
    cpu: 0.5,
    memoryMiB: 1536,
    pids: 256,
  });
  assert.deepEqual(limitsInput(limitsFrom('--memory', '256M')), { memoryMiB: 256 });
  assert.equal(limitsInput(limitsFrom()), undefined, 'no flag, no limits (not an empty object)');
});

test('bad limits are refused at parse time with the expected form', () => {
  const refused = (args: string[], message: RegExp): void =>
    assert.throws(() => limitsFrom(...args), { code: 'commander.invalidArgument', message }, args.join(' '));
  refused(['--cpu', '0'], /expected CPUs like 0\.5, 1 or 2 \(0\.01 to 64\)/);
  refused(['--cpu', ''], /expected CPUs like/);
  refused(['--cpu', '0.0005'], /must be at least 0\.01 CPU/);
  refused(['--cpu', '0.0125'], /at most three decimals/);
  refused(['--memory', '8M'], /expected a size like 256M, 1G or 1\.5G/);
  refused(['--memory', 'lots'], /expected a size like/);
  refused(['--pids', '15'], /expected a whole number from 16 to 65536/);
});
