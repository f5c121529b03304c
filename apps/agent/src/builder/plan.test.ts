import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_BASE_IMAGES } from '@berth/core';
import { baseImagesOf, planSourceBuild } from './plan.js';

test('the images a Dockerfile starts from, without its own stages or scratch', () => {
  const dockerfile = [
    'FROM localhost/berth/base-node:bookworm AS build',
    'RUN npm run build',
    'from --platform=linux/amd64 localhost/berth/base-static:bookworm',
    'COPY --from=build /out /srv/www',
    'FROM build AS again',
    'FROM scratch',
  ].join('\n');
  assert.deepEqual(baseImagesOf(dockerfile), [
    'localhost/berth/base-node:bookworm',
    'localhost/berth/base-static:bookworm',
  ]);
});

test('detection never reads a berth.yaml or package.json that links out of the source', async () => {
  const outer = await mkdtemp(join(tmpdir(), 'berth-plan-'));
  try {
    const src = join(outer, 'src');
    const deep = Array.from({ length: 25 }, (_, i) => `d${i}`).join('/');
    await mkdir(join(src, deep), { recursive: true });
    // Host YAML that would fail parsing and land in the error message, were it read.
    await writeFile(join(outer, 'host.yaml'), 'host-secret: [unclosed\n');
    await symlink(Array(25).fill('..').join('/'), join(src, deep, 'up'));
    await symlink(`${deep}/up/../host.yaml`, join(src, 'berth.yaml'));
    await symlink('/etc/passwd', join(src, 'package.json'));
    await writeFile(join(src, 'index.html'), '<h1>hi</h1>\n');
    const lines: string[] = [];
    const plan = await planSourceBuild(src, DEFAULT_BASE_IMAGES, (l) => lines.push(l));
    assert.equal(plan.builder, 'static');
    assert.ok(!lines.join('\n').includes('host-secret') && !lines.join('\n').includes('root:x'));
  } finally {
    await rm(outer, { recursive: true, force: true });
  }
});
