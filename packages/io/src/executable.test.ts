import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findExecutable } from './executable.js';

test('an executable is found in PATH order, then in the extra directories; a plain file is not one', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-which-'));
  try {
    const [a, b, extra] = ['a', 'b', 'extra'].map((d) => join(root, d));
    for (const d of [a, b, extra]) await mkdir(d!);
    await writeFile(join(a!, 'tool'), 'not executable');
    await writeFile(join(b!, 'tool'), '#!/bin/sh\n');
    await chmod(join(b!, 'tool'), 0o755);
    await writeFile(join(extra!, 'only-here'), '#!/bin/sh\n');
    await chmod(join(extra!, 'only-here'), 0o755);
    const path = `${a}::${b}`;
    assert.equal(await findExecutable('tool', path), join(b!, 'tool'));
    assert.equal(await findExecutable('only-here', path), null);
    assert.equal(await findExecutable('only-here', path, [extra!]), join(extra!, 'only-here'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
