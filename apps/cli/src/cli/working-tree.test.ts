import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inspectWorkingTree, localRepoPath, workingTreeWarning } from './working-tree.js';

const source = (url: string) => ({
  type: 'git' as const,
  url,
  ref: { kind: 'branch' as const, name: 'main' },
  credentials: 'none' as const,
});

test('only a local path or file:// URL, with berthd on this machine, is looked at', () => {
  const local = 'http://127.0.0.1:7070';
  assert.equal(localRepoPath(source('/srv/repos/site'), local), '/srv/repos/site');
  assert.equal(localRepoPath(source('/srv/repos/site/'), 'http://localhost:7070'), '/srv/repos/site');
  assert.equal(localRepoPath(source('file:///srv/repos/site'), 'http://[::1]:7070'), '/srv/repos/site');
  // The path is on berthd's machine, which is not this one.
  assert.equal(localRepoPath(source('/srv/repos/site'), 'https://berth.example.com'), null);
  // Remote repositories have no working tree here.
  assert.equal(localRepoPath(source('https://git.example.com/acme/site.git'), local), null);
  assert.equal(localRepoPath(source('git@git.example.com:acme/site.git'), local), null);
  assert.equal(localRepoPath(null, local), null);
});

test('the warning says what is left out and which commit is deployed', () => {
  const state = {
    path: '/srv/repos/site',
    changed: 2,
    checkedOut: 'feature',
    builds: { branch: 'main', commit: '3f2c1a0b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a', subject: 'Add a page' },
  };
  assert.equal(
    workingTreeWarning(state),
    [
      'warning: /srv/repos/site has uncommitted changes (2 files) (it has feature checked out); they are not deployed.',
      '  Deploying main at 3f2c1a0b9d8e: Add a page',
      '  To deploy them, commit them to main first.',
    ].join('\n'),
  );
  assert.equal(workingTreeWarning({ ...state, changed: 0 }), null);
});

const dir = mkdtempSync(join(tmpdir(), 'berth-working-tree-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function git(...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir },
  }).trim();
}

test('a real working tree: clean, then with edits and a new file', async () => {
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'T');
  writeFileSync(join(dir, 'index.html'), 'v1\n');
  git('add', '.');
  git('commit', '-q', '-m', 'First page');
  const head = git('rev-parse', 'HEAD');
  const clean = await inspectWorkingTree(dir, { kind: 'branch', name: 'main' });
  assert.deepEqual(clean, {
    path: dir,
    changed: 0,
    checkedOut: 'main',
    builds: { branch: 'main', commit: head, subject: 'First page' },
  });

  writeFileSync(join(dir, 'index.html'), 'v2\n');
  writeFileSync(join(dir, 'new.html'), 'new\n');
  const dirty = await inspectWorkingTree(dir, { kind: 'branch', name: 'main' });
  assert.equal(dirty?.changed, 2);
  assert.equal(dirty?.builds.commit, head);

  // A tag or a commit is exactly what was asked for: nothing to say.
  assert.equal(await inspectWorkingTree(dir, { kind: 'tag', name: 'v1' }), null);
  // No such branch, or not a repository: nothing it can tell.
  assert.equal(await inspectWorkingTree(dir, { kind: 'branch', name: 'nope' }), null);
  assert.equal(await inspectWorkingTree(join(dir, 'missing'), { kind: 'branch', name: 'main' }), null);
});
