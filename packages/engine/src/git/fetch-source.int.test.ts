import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '@berth/protocol';
import type { ErrorCode, GitRef } from '@berth/protocol';
import { fetchSource } from '@berth/engine';
import type { FetchSourceOptions } from '@berth/engine';
import { createTestRepo, publishBare, startDumbGitServer } from '../../../../test/support/git-repos.js';
import type { DumbGitServer, TestRepo } from '../../../../test/support/git-repos.js';

const TOKEN = 'tok-3f9a2c71e5d84b06a1c2';

let dir: string;
let repo: TestRepo;
let first: string;
let second: string;
let server: DumbGitServer;
let seq = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-git-test-'));
  repo = await createTestRepo(join(dir, 'origin'));
  first = await repo.commit({ 'app.txt': 'one\n', 'run.sh': '#!/bin/sh\necho hi\n' }, 'first commit');
  await repo.git(['tag', '--annotate', '--message', 'release 1', 'v1']);
  await repo.git(['update-index', '--chmod=+x', 'run.sh']);
  second = await repo.commit({ 'app.txt': 'two\n' }, 'second commit');
  await publishBare(repo.path, join(dir, 'served', 'app.git'));
  server = await startDumbGitServer(join(dir, 'served'), TOKEN);
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const workDir = (): string => join(dir, `work-${++seq}`);
const branch = (name: string): GitRef => ({ kind: 'branch', name });

async function rejects(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<BerthError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof BerthError, `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

test('a branch over file:// gives the tip, its subject and the files with their modes', async () => {
  const lines: string[] = [];
  const target = workDir();
  const got = await fetchSource({
    url: `file://${repo.path}`,
    ref: branch('main'),
    dir: target,
    onLine: (l) => lines.push(l),
  });
  assert.deepEqual(got, { commit: second, subject: 'second commit' });
  assert.equal(await readFile(join(target, 'app.txt'), 'utf8'), 'two\n');
  const { mode } = await import('node:fs/promises').then((fs) => fs.stat(join(target, 'run.sh')));
  assert.ok(mode & 0o100, 'run.sh stays executable');
  assert.ok(lines.length > 0, 'git output is streamed');
});

test('a tag by plain path, then a commit ref, in the same dir', async () => {
  const target = workDir();
  const tag = await fetchSource({ url: repo.path, ref: { kind: 'tag', name: 'v1' }, dir: target });
  assert.deepEqual(tag, { commit: first, subject: 'first commit' });
  assert.equal(await readFile(join(target, 'app.txt'), 'utf8'), 'one\n');
  const byCommit = await fetchSource({ url: repo.path, ref: { kind: 'commit', name: second }, dir: target });
  assert.equal(byCommit.commit, second);
  assert.equal(await readFile(join(target, 'app.txt'), 'utf8'), 'two\n');
});

test('an incremental fetch picks up a new commit and resets the tree', async () => {
  const target = workDir();
  const o: FetchSourceOptions = { url: `file://${repo.path}`, ref: branch('main'), dir: target };
  assert.equal((await fetchSource(o)).commit, second);
  await writeFile(join(target, 'app.txt'), 'edited by a build\n');
  await writeFile(join(target, 'junk.log'), 'left by a build\n');
  const third = await repo.commit({ 'more.txt': 'three\n' }, 'third commit');
  try {
    const started = Date.now();
    const again = await fetchSource(o);
    assert.deepEqual(again, { commit: third, subject: 'third commit' });
    assert.ok(Date.now() - started < 5_000);
    assert.equal(await readFile(join(target, 'app.txt'), 'utf8'), 'two\n');
    assert.equal(existsSync(join(target, 'junk.log')), false, 'untracked files are removed');
    assert.equal(await readFile(join(target, 'more.txt'), 'utf8'), 'three\n');
  } finally {
    await repo.git(['reset', '--quiet', '--hard', second]);
  }
});

test('an exact commit behind the branch tip is checked out', async () => {
  const target = workDir();
  const got = await fetchSource({
    url: `file://${repo.path}`,
    ref: branch('main'),
    commit: first,
    dir: target,
  });
  assert.equal(got.commit, first);
  assert.equal(await readFile(join(target, 'app.txt'), 'utf8'), 'one\n');
});

test("requireTip: a webhook's commit builds only while it is the branch's tip", async () => {
  const target = workDir();
  const o = { url: `file://${repo.path}`, ref: branch('main'), dir: target, requireTip: true };
  assert.deepEqual(await fetchSource({ ...o, commit: second }), { commit: second, subject: 'second commit' });
  // A replayed push of an older commit: refused, and the tree keeps what was checked out.
  const err = await rejects(
    fetchSource({ ...o, commit: first }),
    'BUILD_COMMIT_NOT_TIP',
    /not the tip of branch main/,
  );
  assert.match(err.message, new RegExp(second.slice(0, 12)));
  assert.equal(await readFile(join(target, 'app.txt'), 'utf8'), 'two\n');
  // A force-push back to the older commit makes it the tip: it builds.
  await repo.git(['reset', '--quiet', '--hard', first]);
  try {
    assert.equal((await fetchSource({ ...o, commit: first })).commit, first);
    assert.equal(await readFile(join(target, 'app.txt'), 'utf8'), 'one\n');
  } finally {
    await repo.git(['reset', '--quiet', '--hard', second]);
  }
});

test('requireTip on an annotated tag accepts the tag object or its commit', async () => {
  const tagObject = await repo.git(['rev-parse', 'v1']);
  const o = { url: repo.path, ref: { kind: 'tag', name: 'v1' } as GitRef, requireTip: true };
  assert.equal((await fetchSource({ ...o, commit: tagObject, dir: workDir() })).commit, first);
  assert.equal((await fetchSource({ ...o, commit: first, dir: workDir() })).commit, first);
  await rejects(fetchSource({ ...o, commit: second, dir: workDir() }), 'BUILD_COMMIT_NOT_TIP');
});

test('a token is never sent over plain http to another machine', async () => {
  await rejects(
    fetchSource({
      url: 'http://git.example.invalid/acme/app.git',
      ref: branch('main'),
      dir: workDir(),
      credentials: { token: TOKEN },
    }),
    'GIT_FAILED',
    /refusing to send the token .* over plain http/,
  );
});

test('a missing branch or commit fails with GIT_FAILED saying which', async () => {
  const err = await rejects(
    fetchSource({ url: `file://${repo.path}`, ref: branch('nope'), dir: workDir() }),
    'GIT_FAILED',
    /branch nope not found in file:\/\//,
  );
  assert.ok(err.logs.some((l) => /couldn't find remote ref/.test(l)));
  assert.ok(err.hint);
  await rejects(
    fetchSource({ url: repo.path, ref: branch('main'), commit: 'a'.repeat(40), dir: workDir() }),
    'GIT_FAILED',
    /a{40}/,
  );
});

test('dumb HTTP with a token: the token is sent as a header and the fetch works', async () => {
  const before = server.authorizations.length;
  const target = workDir();
  const got = await fetchSource({
    url: server.url('app.git'),
    ref: branch('main'),
    dir: target,
    credentials: { token: TOKEN },
  });
  assert.equal(got.commit, second);
  const sent = server.authorizations.slice(before);
  assert.ok(sent.length > 0 && sent.every((h) => h?.startsWith('Basic ')));
  // An exact commit: dumb HTTP can do neither shallow fetches nor fetches by SHA, so the fallback runs.
  const exact = await fetchSource({
    url: server.url('app.git'),
    ref: branch('main'),
    commit: first,
    dir: target,
    credentials: { token: TOKEN },
  });
  assert.equal(exact.commit, first);
});

test('dumb HTTP without or with a wrong token: GIT_FAILED "authentication", the token never shown', async () => {
  await rejects(
    fetchSource({ url: server.url('app.git'), ref: branch('main'), dir: workDir() }),
    'GIT_FAILED',
    /authentication failed/,
  );
  const wrong = `${TOKEN}-wrong`;
  const lines: string[] = [];
  const err = await rejects(
    fetchSource({
      url: server.url('app.git'),
      ref: branch('main'),
      dir: workDir(),
      credentials: { token: wrong },
      onLine: (l) => lines.push(l),
    }),
    'GIT_FAILED',
    /authentication failed/,
  );
  const shown = [err.message, err.hint ?? '', ...err.logs, ...lines, JSON.stringify(err)].join('\n');
  assert.ok(!shown.includes(wrong) && !shown.includes(TOKEN), shown);
  assert.ok(!shown.includes(Buffer.from(`x-access-token:${wrong}`).toString('base64')), shown);
});

test('hostile refs and URLs are refused before git runs; nothing is executed', async () => {
  const marker = join(dir, 'pwned');
  const cases: { url: string; ref: GitRef }[] = [
    { url: repo.path, ref: branch(`--upload-pack=touch ${marker}`) },
    { url: repo.path, ref: { kind: 'tag', name: `-oProxyCommand=touch ${marker}` } },
    { url: repo.path, ref: { kind: 'commit', name: 'HEAD' } },
    { url: `file://${repo.path};touch ${marker}`, ref: branch('main') },
    { url: `ext::sh -c touch% ${marker}`, ref: branch('main') },
    { url: `-oProxyCommand=touch@127.0.0.1:x`, ref: branch('main') },
    { url: `-u@127.0.0.1:x`, ref: branch('main') },
    { url: `ssh://-oProxyCommand@127.0.0.1/x`, ref: branch('main') },
    { url: `${repo.path}/../origin`, ref: branch('main') },
  ];
  for (const c of cases) {
    await rejects(fetchSource({ ...c, dir: workDir() }), 'GIT_FAILED', /refusing/);
  }
  await rejects(
    fetchSource({ url: repo.path, ref: branch('main'), commit: '--upload-pack=x', dir: workDir() }),
    'GIT_FAILED',
    /refusing/,
  );
  assert.equal(existsSync(marker), false);
});

test('an ssh key is written for the fetch only and removed afterwards', async () => {
  const closed = await listenAndHang();
  const port = closed.port;
  await closed.stop(); // nothing listens on the port now
  const before = new Set(await readdir(tmpdir()));
  const err = await rejects(
    fetchSource({
      url: `ssh://git@127.0.0.1:${port}/app.git`,
      ref: branch('main'),
      dir: workDir(),
      credentials: {
        sshPrivateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----',
      },
    }),
    'GIT_FAILED',
  );
  assert.match(err.message, /cannot reach|Connection refused/);
  const left = (await readdir(tmpdir())).filter((n) => n.startsWith('berth-git-') && !before.has(n));
  assert.deepEqual(left, []);
});

test('aborting kills git promptly; a timeout is GIT_FAILED', async () => {
  const hang = await listenAndHang();
  try {
    const controller = new AbortController();
    const started = Date.now();
    const fetching = fetchSource({
      url: `http://127.0.0.1:${hang.port}/app.git`,
      ref: branch('main'),
      dir: workDir(),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 300);
    await rejects(fetching, 'BUILD_CANCELLED');
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);

    const reason = new BerthError('BUILD_TIMEOUT', 'the build took too long');
    await assert.rejects(
      fetchSource({
        url: `http://127.0.0.1:${hang.port}/app.git`,
        ref: branch('main'),
        dir: workDir(),
        signal: AbortSignal.abort(reason),
      }),
      (err) => err === reason,
    );

    await rejects(
      fetchSource({
        url: `http://127.0.0.1:${hang.port}/app.git`,
        ref: branch('main'),
        dir: workDir(),
        timeoutMs: 400,
      }),
      'GIT_FAILED',
      /did not finish within/,
    );
  } finally {
    await hang.stop();
  }
});

/** A TCP server that accepts connections and never answers. */
async function listenAndHang(): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    stop: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
