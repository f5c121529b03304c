/**
 * Image builds, imports and labels through the engine API of the build sandbox's Podman, as
 * builds run in production (one team session held open for the whole file). Stopping a RUN step
 * on cancel is the sandbox's part: see ./sandbox/sandbox.int.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BerthError } from '@berth/protocol';
import { buildImage, imageLabels, importRootfs, packDirectory } from '@berth/engine';
import type { EngineHttpClient } from '@berth/engine';
import { startTestBuilder, TEST_BASE_IMAGE, testTeamId } from '../../../../test/support/builder.js';
import { createTarPack } from './tar.js';

const HELLO_V1 = TEST_BASE_IMAGE;

const RUN = `t${process.pid}x${Date.now().toString(36)}`;
const TAG = (name: string): string => `localhost/berth/enginetest-${name}:${RUN}`;

let dir: string;
let http: EngineHttpClient;
let endSession: () => void = () => undefined;
let session: Promise<void> = Promise.resolve();
let contexts = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-build-test-'));
  const builder = await startTestBuilder();
  const ended = new Promise<void>((resolve) => (endSession = resolve));
  const opened = new Promise<EngineHttpClient>((resolve, reject) => {
    session = builder
      .team(testTeamId(), 'egress', AbortSignal.timeout(600_000), async (s) => {
        resolve(s.http);
        await ended;
      })
      .catch(reject);
  });
  http = await opened;
});

after(async () => {
  endSession();
  await session;
  if (dir) await rm(dir, { recursive: true, force: true });
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
  assert.ok(first.lines.includes(`STEP 1/6: FROM ${HELLO_V1}`), first.lines.join('\n'));
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
