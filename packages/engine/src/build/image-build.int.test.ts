/**
 * Image builds, imports and labels against a real Podman API service (the host's image store).
 * Cancellation: Podman does not stop a build's RUN process when the client goes away (shown by
 * the test that talks to the API directly); buildImage stops it (see ./build-cgroup.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BerthError } from '@berth/protocol';
import { buildImage, createEngineApiClient, imageLabels, importRootfs, packDirectory } from '@berth/engine';
import type { EngineHttpClient } from '@berth/engine';
import { ensureExampleImages, HELLO_V1 } from '../../../../test/support/images.js';
import { startTestPodman } from '../../../../test/support/podman.js';
import type { TestPodman } from '../../../../test/support/podman.js';
import { findCgroupProcesses, killCgroupProcesses, newBuildCgroup } from './build-cgroup.js';
import { createTarPack } from './tar.js';

const RUN = `t${process.pid}x${Date.now().toString(36)}`;
const TAG = (name: string): string => `localhost/berth/enginetest-${name}:${RUN}`;

let dir: string;
let podman: TestPodman;
let http: EngineHttpClient;
const tags: string[] = [];
let contexts = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-build-test-'));
  const [started] = await Promise.all([startTestPodman(join(dir, 'podman')), ensureExampleImages()]);
  podman = started;
  http = createEngineApiClient({ socketPath: podman.socketPath, timeoutMs: 10_000 });
});

after(async () => {
  if (podman) {
    for (const tag of tags)
      await http.request({ method: 'DELETE', path: `/images/${tag}`, query: { force: true } });
    await podman.stop();
  }
  await rm(dir, { recursive: true, force: true });
});

async function context(files: Record<string, string>): Promise<string> {
  // A fresh dir each time: a pack nobody reads (a refused build) may still be reading an old one.
  const ctx = join(dir, `ctx-${++contexts}`);
  await mkdir(ctx, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(ctx, name), content);
  return ctx;
}

async function build(ctx: string, name: string, extra: Partial<Parameters<typeof buildImage>[1]> = {}) {
  const lines: string[] = [];
  const tag = TAG(name);
  tags.push(tag);
  const started = Date.now();
  const result = await buildImage(http, {
    context: packDirectory(ctx, { ignoreFiles: ['.dockerignore'] }).stream,
    dockerfile: 'Dockerfile',
    tag,
    onLine: (l) => lines.push(l),
    ...extra,
  });
  return { ...result, lines, ms: Date.now() - started, tag };
}

const DOCKERFILE = [
  `FROM ${HELLO_V1}`,
  'COPY base.txt /base.txt',
  'RUN echo "built from $(cat /base.txt)" > /built.txt',
  'COPY app.txt /app.txt',
  'RUN cat /app.txt',
  '',
].join('\n');

test('a build streams its steps, returns the image id and labels it; a rebuild with one change uses the cache', async () => {
  const ctx = await context({
    Dockerfile: DOCKERFILE,
    'base.txt': 'a stable base\n',
    'app.txt': `first ${RUN}\n`,
  });
  const first = await build(ctx, 'cache', { labels: { 'berth.test': RUN } });
  assert.match(first.imageId, /^sha256:[0-9a-f]{64}$/);
  assert.ok(first.lines.includes('STEP 1/6: FROM localhost/hello:1'), first.lines.join('\n'));
  assert.ok(first.lines.includes(`first ${RUN}`), 'RUN output is streamed line by line');
  assert.equal((await imageLabels(http, first.tag))?.['berth.test'], RUN);

  await writeFile(join(ctx, 'app.txt'), `second ${RUN}\n`);
  const second = await build(ctx, 'cache', { labels: { 'berth.test': RUN } });
  assert.notEqual(second.imageId, first.imageId);
  const cachedAfter = (step: string): boolean => {
    const at = second.lines.findIndex((l) => l.startsWith(step));
    return at !== -1 && /Using cache/.test(second.lines[at + 1] ?? '');
  };
  assert.ok(cachedAfter('STEP 2/6: COPY base.txt'), second.lines.join('\n'));
  assert.ok(cachedAfter('STEP 3/6: RUN echo'), second.lines.join('\n'));
  assert.ok(!cachedAfter('STEP 4/6: COPY app.txt'), second.lines.join('\n'));
  assert.ok(second.lines.includes(`second ${RUN}`));
  console.log(`build: ${first.ms} ms, rebuild with one changed file: ${second.ms} ms`);
});

test('a failing RUN is BUILD_FAILED naming the step, with its last lines', async () => {
  const ctx = await context({
    Dockerfile: `FROM ${HELLO_V1}\nRUN echo "out-${RUN}" && echo "err-${RUN}" >&2 && exit 3\n`,
  });
  await assert.rejects(build(ctx, 'fail'), (err) => {
    assert.ok(err instanceof BerthError, String(err));
    assert.equal(err.code, 'BUILD_FAILED');
    assert.match(err.message, /^The build failed at STEP 2\/2: RUN echo .*exit status 3/s);
    assert.ok(err.logs.includes(`out-${RUN}`) && err.logs.includes(`err-${RUN}`), err.logs.join('\n'));
    assert.ok(err.logs.length <= 30);
    return true;
  });
});

test('a missing Dockerfile or base image fails with BUILD_FAILED', async () => {
  const ctx = await context({ 'app.txt': 'x' });
  await assert.rejects(build(ctx, 'nodockerfile'), { code: 'BUILD_FAILED' });
  const ctx2 = await context({ Dockerfile: 'FROM localhost/berth/not-there:1\n' });
  await assert.rejects(
    build(ctx2, 'nobase'),
    (err) => err instanceof BerthError && /not-there/.test(err.message),
  );
});

test("a context over its size limit fails the build with the packer's VALIDATION_FAILED", async () => {
  const ctx = await context({ Dockerfile: `FROM ${HELLO_V1}\n`, 'big.txt': 'x'.repeat(100_000) });
  await assert.rejects(
    buildImage(http, {
      context: packDirectory(ctx, { ignoreFiles: [], maxBytes: 50_000 }).stream,
      dockerfile: 'Dockerfile',
      tag: TAG('toobig'),
    }),
    (err) =>
      err instanceof BerthError && err.code === 'VALIDATION_FAILED' && /larger than 50000/.test(err.message),
  );
});

test('tags must be fully qualified; the Dockerfile path relative', async () => {
  const ctx = await context({ Dockerfile: `FROM ${HELLO_V1}\n` });
  for (const [tag, dockerfile] of [
    ['berth/x:1', 'Dockerfile'],
    ['localhost/x:1;rm', 'Dockerfile'],
    [TAG('ok'), '../Dockerfile'],
    [TAG('ok'), '/etc/passwd'],
  ] as const) {
    await assert.rejects(
      buildImage(http, { context: packDirectory(ctx, { ignoreFiles: [] }).stream, dockerfile, tag }),
      { code: 'VALIDATION_FAILED' },
    );
  }
});

/** The pids of processes whose command line is exactly `sleep <seconds>`. */
async function sleepers(seconds: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd === `sleep\0${seconds}\0`) found.push(Number(pid));
  }
  return found;
}

async function eventually<T>(what: string, fn: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const slowContext = (seconds: string): Promise<string> =>
  context({ Dockerfile: `FROM ${HELLO_V1}\nRUN echo started-${seconds} && sleep ${seconds}\n` });

test('Podman alone keeps a build RUN step running after its client went away', async () => {
  const seconds = String(50_000 + (process.pid % 10_000));
  const cgroup = newBuildCgroup();
  const res = await http.openStream({
    method: 'POST',
    path: '/build',
    query: { dockerfile: 'Dockerfile', t: TAG('orphan'), rm: 1, forcerm: 1, cgroupparent: cgroup },
    upload: {
      stream: packDirectory(await slowContext(seconds), { ignoreFiles: [] }).stream,
      contentType: 'application/x-tar',
    },
  });
  let seen = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    seen += chunk.toString('utf8');
    if (seen.includes(`started-${seconds}`)) break;
  }
  res.destroy();
  await eventually('the RUN process', async () => ((await sleepers(seconds)).length ? true : null), 5_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  assert.equal((await sleepers(seconds)).length, 1, 'still running 2 s after the client left');
  assert.ok((await findCgroupProcesses(cgroup)).length >= 1, 'found through its cgroup');
  assert.ok((await killCgroupProcesses(cgroup)) >= 1);
  await eventually(
    'the RUN process to be gone',
    async () => ((await sleepers(seconds)).length ? null : true),
    5_000,
  );
});

test('cancelling buildImage returns at once, stops the RUN step, and the next build works', async () => {
  const seconds = String(60_000 + (process.pid % 10_000));
  const ctx = await slowContext(seconds);
  const controller = new AbortController();
  const lines: string[] = [];
  const building = buildImage(http, {
    context: packDirectory(ctx, { ignoreFiles: [] }).stream,
    dockerfile: 'Dockerfile',
    tag: TAG('cancel'),
    signal: controller.signal,
    onLine: (l) => {
      lines.push(l);
      if (l === `started-${seconds}`) controller.abort();
    },
  });
  const started = Date.now();
  await assert.rejects(building, { code: 'BUILD_CANCELLED' });
  const returnedMs = Date.now() - started;
  await eventually(
    'the RUN process to be gone',
    async () => ((await sleepers(seconds)).length ? null : true),
    3_000,
  );
  console.log(`cancel: returned ${returnedMs} ms after the abort; ${lines.at(-1) ?? ''}`);
  assert.ok(returnedMs < 5_000, `returned after ${returnedMs} ms`);

  const again = await build(
    await context({ Dockerfile: `FROM ${HELLO_V1}\nRUN echo after-cancel-${RUN}\n` }),
    'after',
  );
  assert.match(again.imageId, /^sha256:/);
});

test('a timeout reason given by the caller is kept', async () => {
  const reason = new BerthError('BUILD_TIMEOUT', 'The build ran out of time');
  const ctx = await context({ Dockerfile: `FROM ${HELLO_V1}\n` });
  await assert.rejects(
    buildImage(http, {
      context: packDirectory(ctx, { ignoreFiles: [] }).stream,
      dockerfile: 'Dockerfile',
      tag: TAG('timeout'),
      signal: AbortSignal.abort(reason),
    }),
    (err) => err === reason,
  );
});

test('importRootfs makes an image from a tar with labels and changes; imageLabels reads them', async () => {
  const pack = createTarPack();
  pack.entry({ name: 'etc/berth-test', type: 'file', mode: 0o644 }, `${RUN}\n`, () => pack.finalize());
  const ref = TAG('import');
  tags.push(ref);
  const { imageId } = await importRootfs(http, pack, ref, {
    labels: { 'berth.recipe': `sha256:${RUN}`, 'berth.test': 'a value with spaces' },
    changes: ['ENV BERTH_TEST=1', 'CMD ["/bin/sh"]'],
  });
  assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(await imageLabels(http, ref), {
    'berth.recipe': `sha256:${RUN}`,
    'berth.test': 'a value with spaces',
  });
  const inspected = await http.request({ method: 'GET', path: `/images/${ref}/json` });
  const config = (inspected.body as { Config: { Env: string[]; Cmd: string[] } }).Config;
  assert.ok(config.Env.includes('BERTH_TEST=1'));
  assert.deepEqual(config.Cmd, ['/bin/sh']);
  assert.equal(await imageLabels(http, 'localhost/berth/never-built:1'), null);
  await assert.rejects(importRootfs(http, Readable.from([]), ref, { labels: { 'bad"key': 'x' } }), {
    code: 'VALIDATION_FAILED',
  });
});
