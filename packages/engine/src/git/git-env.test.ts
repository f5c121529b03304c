import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authHeader, createScrubber, httpOrigin, toGitEnv, toSshCommand } from './git-env.js';
import { classifyGitFailure, describeGitFailure, lastMeaningfulLine } from './git-errors.js';

test('toGitEnv keeps PATH and proxies only, isolates config and allows only our transports', () => {
  const env = toGitEnv({
    home: '/tmp/h',
    base: {
      PATH: '/opt/bin:/usr/bin',
      HTTPS_PROXY: 'http://proxy:3128',
      GIT_DIR: '/elsewhere',
      GIT_SSH_COMMAND: 'touch /tmp/pwned',
      GIT_EXEC_PATH: '/evil',
      GIT_CONFIG_PARAMETERS: "'core.sshCommand=evil'",
      LD_PRELOAD: '/evil.so',
      HOME: '/root',
    },
  });
  assert.equal(env.PATH, '/opt/bin:/usr/bin');
  assert.equal(env.HTTPS_PROXY, 'http://proxy:3128');
  assert.equal(env.HOME, '/tmp/h');
  assert.equal(env.GIT_CONFIG_GLOBAL, '/dev/null');
  assert.equal(env.GIT_CONFIG_NOSYSTEM, '1');
  assert.equal(env.GIT_TERMINAL_PROMPT, '0');
  assert.equal(env.GIT_ALLOW_PROTOCOL, 'http:https:ssh:file');
  for (const key of ['GIT_DIR', 'GIT_SSH_COMMAND', 'GIT_EXEC_PATH', 'GIT_CONFIG_PARAMETERS', 'LD_PRELOAD']) {
    assert.equal(env[key], undefined, key);
  }
  assert.equal(toGitEnv({ home: '/h' }).PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

test('a token rides in GIT_CONFIG_* as a header scoped to the origin, never in argv', () => {
  const header = authHeader('s3cret');
  assert.equal(header, `Authorization: Basic ${Buffer.from('x-access-token:s3cret').toString('base64')}`);
  const env = toGitEnv({ home: '/h', auth: { origin: 'https://git.example:8443', header } });
  assert.equal(env.GIT_CONFIG_COUNT, '1');
  assert.equal(env.GIT_CONFIG_KEY_0, 'http.https://git.example:8443/.extraHeader');
  assert.equal(env.GIT_CONFIG_VALUE_0, header);
  assert.equal(httpOrigin('https://git.example:8443/a/b.git'), 'https://git.example:8443');
  assert.equal(httpOrigin('ssh://git@host/x'), null);
});

test('GIT_SSH_COMMAND quotes our paths for the shell git runs it with', () => {
  assert.equal(
    toSshCommand('/tmp/k', '/w/.git/kh'),
    'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/w/.git/kh -i /tmp/k -o IdentitiesOnly=yes',
  );
  assert.equal(
    toSshCommand(null, "/a b/it's"),
    "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o 'UserKnownHostsFile=/a b/it'\\''s'",
  );
});

test('the scrubber removes a token and its encodings', () => {
  const scrub = createScrubber(['t/k+n']);
  const b64 = Buffer.from('x-access-token:t/k+n').toString('base64');
  assert.equal(scrub(`a t/k+n b t%2Fk%2Bn c ${b64}`), 'a *** b *** c ***');
  assert.equal(createScrubber([])('nothing'), 'nothing');
});

test('git failures are classified from stderr', () => {
  const cases: [string[], ReturnType<typeof classifyGitFailure>][] = [
    [["fatal: couldn't find remote ref refs/heads/nope"], 'ref-not-found'],
    [["fatal: could not read Username for 'https://github.com': terminal prompts disabled"], 'auth'],
    [["fatal: Authentication failed for 'https://x/'"], 'auth'],
    [
      ['git@github.com: Permission denied (publickey).', 'fatal: Could not read from remote repository.'],
      'auth',
    ],
    [['remote: Repository not found.', "fatal: repository 'https://x/' not found"], 'repo-not-found'],
    [["fatal: unable to access 'https://nope/': Could not resolve host: nope"], 'unreachable'],
    [
      [
        'ssh: connect to host 127.0.0.1 port 1: Connection refused',
        'fatal: Could not read from remote repository.',
      ],
      'unreachable',
    ],
    [['Host key verification failed.'], 'host-key'],
    [
      [
        'error: Server does not allow request for unadvertised object 0123456789012345678901234567890123456789',
      ],
      'unadvertised-object',
    ],
    [['fatal: dumb http transport does not support shallow capabilities'], 'shallow-unsupported'],
    [['fatal: something new'], 'other'],
  ];
  for (const [lines, kind] of cases) assert.equal(classifyGitFailure(lines), kind, lines.join(' | '));
});

test('the last meaningful line is git fatal or error line', () => {
  assert.equal(lastMeaningfulLine(['fatal: x', 'Please make sure…', '']), 'fatal: x');
  assert.equal(lastMeaningfulLine(['one', 'two', ' ']), 'two');
  assert.equal(lastMeaningfulLine([]), 'no output');
  assert.match(
    describeGitFailure('ref-not-found', 'branch main', 'https://h/r').summary,
    /^branch main not found in https:\/\/h\/r$/,
  );
});
