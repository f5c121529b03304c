/**
 * A writer to kill: puts an endless stream into a directory target (argv: root, key), says
 * "writing" once the first MiB is on its way, and never finishes on its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createDirectoryTarget } from '../directory-target.js';

const [root = '', key = ''] = process.argv.slice(2);
const target = await createDirectoryTarget({ root });

async function* endless(): AsyncGenerator<Buffer> {
  yield Buffer.alloc(1024 * 1024, 1);
  process.stdout.write('writing\n');
  for (;;) {
    await sleep(50);
    yield Buffer.alloc(64 * 1024, 2);
  }
}

await target.put(key, endless());
