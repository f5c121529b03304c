// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from './sqlite.js';
import { tempDir } from './test-support/fixtures.js';

// Real SQLite: the guard reports a store call made from inside an open transaction (the call
// that would deadlock if awaited there), and stays quiet for tx calls and for calls after commit.
test('a store call from inside an open transaction is reported once, with where it came from', async () => {
  const tmp = await tempDir();
  const store = await openSqliteStore({ file: tmp.file });
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => {
    if (w.code === 'BERTH_STORE_REENTRANCY') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  try {
    let queued: Promise<unknown> | undefined;
    await store.transaction(async (tx) => {
      await tx.meta.set('k', 'v');
      // Not awaited here: awaiting it would never return (the deadlock the guard is for).
      queued = store.meta.get('k');
    });
    assert.equal(await queued, 'v');
    await store.meta.get('k'); // after the commit: fine
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /store\.meta\.get\(\) was called while a transaction is open/);
    assert.match(warnings[0] ?? '', /transaction-guard\.int\.test\.ts/);
  } finally {
    process.off('warning', onWarning);
    await store.close();
    await tmp.remove();
  }
});
