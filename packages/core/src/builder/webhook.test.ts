import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GitSource } from '@berth/protocol';
import { decidePush } from './webhook.js';

const sha = 'a'.repeat(40);
const main: GitSource = {
  type: 'git',
  url: 'https://git.example.com/a.git',
  ref: { kind: 'branch', name: 'main' },
};

test('a push to the tracked branch deploys its commit', () => {
  assert.deepEqual(decidePush(main, { ref: 'refs/heads/main', commit: sha, deleted: false }), {
    deploy: true,
    commit: sha,
  });
  assert.deepEqual(decidePush(main, { ref: 'main', commit: null, deleted: false }), {
    deploy: true,
    commit: null,
  });
});

test('other branches, tags, deletions and odd commits are ignored with a reason', () => {
  const cases = [
    { ref: 'refs/heads/dev', commit: sha, deleted: false },
    { ref: 'refs/tags/main', commit: sha, deleted: false },
    { ref: 'refs/heads/main', commit: '0'.repeat(40), deleted: true },
    { ref: 'refs/heads/main', commit: 'abc; rm -rf /', deleted: false },
  ];
  for (const c of cases) {
    const d = decidePush(main, c);
    assert.equal(d.deploy, false, c.ref);
    assert.ok(!d.deploy && d.reason.length > 0);
  }
});

test('an app tracking a tag deploys on that tag; a pinned commit or no source never deploys', () => {
  const tag: GitSource = { ...main, ref: { kind: 'tag', name: 'v1' } };
  assert.equal(decidePush(tag, { ref: 'refs/tags/v1', commit: sha, deleted: false }).deploy, true);
  const pinned: GitSource = { ...main, ref: { kind: 'commit', name: sha } };
  assert.equal(decidePush(pinned, { ref: 'refs/heads/main', commit: sha, deleted: false }).deploy, false);
  assert.equal(decidePush(null, { ref: 'refs/heads/main', commit: sha, deleted: false }).deploy, false);
});
