/**
 * Bootstraps the static and node base images (and debian, which they start from) into the build
 * sandbox's base store, as `berth images bootstrap` does, where they stay for the test run: the
 * first run on a machine takes minutes (debootstrap, apt, npm), every later one finds them up to
 * date by their recipe label in seconds. A team's build then starts from them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BASE_IMAGES } from '@berth/core';
import {
  bootstrapBaseImages,
  buildImage,
  imageLabels,
  packDirectory,
  RECIPE_LABEL,
  type BootstrapOptions,
  type SandboxedBuilder,
} from '@berth/engine';
import type { BootstrapResult } from '@berth/engine';
import { startTestBuilder, testTeamId } from '../../../../test/support/builder.js';

let dir: string;
let builder: SandboxedBuilder;
/** Shared by every test process on the machine, so their bootstraps wait for each other. */
const workDir = join(tmpdir(), 'berth-base-images-test');
const LONG = 15 * 60_000;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-bootstrap-test-'));
  builder = await startTestBuilder();
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A bootstrap in the base store's sandbox, as the agent runs `berth images bootstrap`. */
const bootstrap = (o: Omit<BootstrapOptions, 'http'>): Promise<BootstrapResult> =>
  builder.base(AbortSignal.timeout(LONG), ({ http }) => bootstrapBaseImages({ ...o, http }));

const summary = (r: BootstrapResult): string =>
  r.images.map((i) => `${i.kind} ${i.status} ${i.seconds} s`).join(', ');

test(
  'bootstrapping static and node builds them once, then finds them up to date',
  { timeout: LONG },
  async () => {
    const lines: string[] = [];
    const first = await bootstrap({
      only: ['static', 'node'],
      workDir,
      onLine: (l) => lines.push(l),
    });
    console.log(`first bootstrap: ${summary(first)}`);
    assert.deepEqual(
      first.images.map((i) => i.kind),
      ['debian', 'node', 'static'],
    );
    for (const image of first.images) {
      assert.equal(image.ref, DEFAULT_BASE_IMAGES[image.kind]);
      assert.match(image.imageId, /^sha256:[0-9a-f]{64}$/);
      const labels = await builder.base(AbortSignal.timeout(60_000), ({ http }) =>
        imageLabels(http, image.ref),
      );
      assert.match(labels?.[RECIPE_LABEL] ?? '', /^sha256:[0-9a-f]{64}$/);
    }
    // Built or up to date, each image says so: a bootstrap that printed nothing must not pass.
    for (const kind of ['debian', 'node', 'static']) {
      assert.ok(
        lines.some((l) => l.startsWith(`[${kind}] `)),
        `no line about ${kind}: ${lines.join('\n')}`,
      );
    }
    assert.ok(
      lines.every((l) => /^\[(debian|node|static)\] /.test(l)),
      'every line names its image',
    );

    const started = Date.now();
    const second = await bootstrap({ only: ['node', 'static'], workDir });
    console.log(`second bootstrap: ${summary(second)} (${Date.now() - started} ms)`);
    assert.deepEqual(
      second.images.map((i) => [i.kind, i.status, i.imageId]),
      first.images.map((i) => [i.kind, 'up-to-date', i.imageId]),
    );
    assert.ok(Date.now() - started < 10_000);
  },
);

// Checks run inside the build, so a cached layer (built on the same base image) is a pass too.
test('the images work in a team build: node and npm run, static has sh, httpd and /srv/www', async () => {
  const ctxDir = await mkdtemp(join(dir, 'ctx-'));
  const dockerfile = [
    `FROM ${DEFAULT_BASE_IMAGES.node} AS build`,
    'RUN node --version | grep -q "^v18\\." && test "$(npm --version)" = 10.9.2 && npx --version',
    "RUN mkdir /out && node -e \"require('fs').writeFileSync('/out/index.html', 'hello')\"",
    `FROM ${DEFAULT_BASE_IMAGES.static}`,
    'COPY --from=build /out /srv/www',
    'RUN test "$(which sh)" = /bin/sh && test "$(which httpd)" = /bin/httpd && test -f /srv/www/index.html && test -d /tmp',
    '',
  ].join('\n');
  const tag = `localhost/berth/enginetest-bases:${process.pid}`;
  const { imageId } = await builder.team(testTeamId(), 'egress', AbortSignal.timeout(LONG), ({ http }) =>
    buildImage(http, {
      context: packDirectory(ctxDir, { ignoreFiles: [], extraFiles: { Dockerfile: dockerfile } }).stream,
      dockerfile: 'Dockerfile',
      tag,
    }),
  );
  assert.match(imageId, /^sha256:/);
});
