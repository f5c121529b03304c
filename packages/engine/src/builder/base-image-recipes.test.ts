import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_IMAGE_KINDS, DEFAULT_BASE_IMAGES } from '@berth/core';
import { BerthError } from '@berth/protocol';
import {
  DEFAULT_NPM_TARBALL_INTEGRITY,
  DEFAULT_NPM_TARBALL_URL,
  parentOf,
  recipeHash,
  toRecipe,
} from './base-image-recipes.js';
import type { RecipeInputs } from './base-image-recipes.js';
import { withLock } from './bootstrap-lock.js';
import { toMirror } from './debootstrap.js';
import { databaseInitScript } from './database-image-recipes.js';

const inputs: RecipeInputs = {
  images: DEFAULT_BASE_IMAGES,
  npmTarballUrl: DEFAULT_NPM_TARBALL_URL,
  npmTarballIntegrity: DEFAULT_NPM_TARBALL_INTEGRITY,
  caCertificates: [],
};

test('every recipe but debian starts FROM the debian image and has a stable hash', () => {
  for (const kind of BASE_IMAGE_KINDS) {
    const recipe = toRecipe(kind, inputs);
    assert.equal(recipe.kind, kind);
    if (recipe.kind === 'debian') {
      assert.equal(parentOf(kind), null);
      continue;
    }
    assert.equal(parentOf(kind), 'debian');
    assert.match(recipe.dockerfile, new RegExp(`^FROM ${DEFAULT_BASE_IMAGES.debian}\\b`));
    assert.equal(recipeHash(recipe, 'sha256:1'), recipeHash(toRecipe(kind, inputs), 'sha256:1'));
    assert.notEqual(recipeHash(recipe, 'sha256:1'), recipeHash(recipe, 'sha256:2'), 'a new parent rebuilds');
  }
});

test('the npm tarball is a build argument and part of the node hash', () => {
  const node = toRecipe('node', inputs);
  assert.ok(node.kind === 'node');
  assert.deepEqual(node.buildArgs, {
    NPM_TARBALL: DEFAULT_NPM_TARBALL_URL,
    NPM_INTEGRITY: DEFAULT_NPM_TARBALL_INTEGRITY,
  });
  assert.ok(!node.dockerfile.includes('registry.npmjs.org'), 'the URL is data, not Dockerfile text');
  const other = toRecipe('node', {
    ...inputs,
    npmTarballUrl: 'https://example.test/npm.tgz',
    npmTarballIntegrity: null,
  });
  assert.notEqual(recipeHash(node, null), recipeHash(other, null));
});

test('the static image links every busybox applet relative to /bin/busybox', () => {
  const recipe = toRecipe('static', inputs);
  assert.ok(recipe.kind === 'static');
  assert.match(recipe.dockerfile, /ln -s busybox "\/rootfs\/bin\/\$applet"/);
  assert.match(recipe.dockerfile, /^FROM scratch$/m);
  assert.match(recipe.dockerfile, /\/rootfs\/srv\/www/);
});

test('toMirror reads one-line and deb822 sources for the suite', () => {
  const list = [
    '# deb http://commented.example/debian bookworm main',
    'deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main contrib',
  ].join('\n');
  assert.equal(toMirror([list], 'bookworm'), 'http://mirror.example/debian');
  const sources = [
    'Types: deb',
    'URIs: http://security.example/debian-security',
    'Suites: bookworm-security',
    '',
    'Types: deb deb-src',
    '# a comment',
    'URIs: https://cdn.example/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main',
  ].join('\n');
  assert.equal(toMirror(['', sources], 'bookworm'), 'https://cdn.example/debian');
  assert.equal(toMirror(['deb http://x.example/ubuntu jammy main'], 'bookworm'), null);
  assert.equal(
    toMirror(['deb file:/srv/mirror bookworm main', 'deb http://a;b/ bookworm main'], 'bookworm'),
    null,
  );
});

test('withLock runs one holder at a time and takes over a lock whose owner is gone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-lock-test-'));
  try {
    const path = join(dir, 'bootstrap.lock');
    const signal = new AbortController().signal;
    const order: string[] = [];
    const waits: number[] = [];
    const hold = (name: string, ms: number): Promise<void> =>
      withLock(path, { signal, onWait: (pid) => waits.push(pid) }, async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`${name} out`);
      });
    await Promise.all([hold('a', 300), new Promise((r) => setTimeout(r, 50)).then(() => hold('b', 10))]);
    assert.deepEqual(order, ['a in', 'a out', 'b in', 'b out']);
    assert.deepEqual(waits, [process.pid]);

    await writeFile(path, '999999999\n'); // no such process
    const started = Date.now();
    await hold('c', 0);
    assert.ok(Date.now() - started < 400);

    const aborted = AbortSignal.abort(new BerthError('BUILD_CANCELLED', 'stop'));
    await writeFile(path, `${process.pid}\n`);
    await assert.rejects(
      withLock(path, { signal: aborted, onWait: () => undefined }, () => Promise.resolve()),
      {
        code: 'BUILD_CANCELLED',
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the database images install Debian 12’s servers and start through berth-db-init', () => {
  const packages = { postgres: /postgresql-15/, mariadb: /mariadb-server/, redis: /redis-server/ } as const;
  for (const kind of ['postgres', 'mariadb', 'redis'] as const) {
    const recipe = toRecipe(kind, inputs);
    assert.ok(recipe.kind === kind);
    assert.match(recipe.dockerfile, packages[kind]);
    assert.match(recipe.dockerfile, /^ENTRYPOINT \["\/usr\/local\/bin\/berth-db-init"\]$/m);
    assert.deepEqual(recipe.buildArgs, {});
    const script = databaseInitScript(kind);
    assert.match(script, /^#!\/bin\/sh\n/);
    // Drops to the engine's own user for the server; the data lives in the one volume directory.
    assert.match(script, /exec setpriv --reuid=(postgres|mysql|redis) /);
    assert.match(script, /^data=\/var\/lib\/berth-db$/m);
    // The script travels base64-encoded: no quoting of its text in the Dockerfile.
    assert.ok(recipe.dockerfile.includes(Buffer.from(script).toString('base64')));
  }
  // Debian's postgresql package would make a cluster of its own outside the volume.
  const pg = toRecipe('postgres', inputs);
  assert.ok(pg.kind === 'postgres');
  assert.match(pg.dockerfile, /create_main_cluster = false/);
});
