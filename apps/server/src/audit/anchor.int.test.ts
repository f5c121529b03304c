// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStore } from '@berth/store';
import pino from 'pino';
import { openKeys } from '../secrets/keys.js';
import { createAuditAnchors } from './anchor.js';
import { readHeadFile, writeHeadFile } from './head-file.js';

const SLOW_WRITE_MS = 1_500;

test('a commit is not held by a slow head write; the head follows, and evidence waits for it', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-anchor-'));
  const store = await openSqliteStore({ file: join(dataDir, 'berth.db') });
  try {
    const keys = await openKeys(store, dataDir, undefined);
    // Disks under heavy writes took longer than a client waits for the head's fsyncs.
    const anchors = createAuditAnchors({
      store,
      keys,
      dataDir,
      clock: Date.now,
      log: pino({ level: 'silent' }),
      writeHead: async (file, head) => {
        await sleep(SLOW_WRITE_MS);
        await writeHeadFile(file, head);
      },
    });
    await anchors.start();
    await anchors.settled();
    const started = Date.now();
    for (const target of ['app:a', 'app:b', 'app:c'])
      await store.transaction((tx) =>
        tx.audit.append({
          at: Date.now(),
          actorKind: 'user',
          actorId: 'usr_1',
          actorName: 'ada@example.com',
          teamId: null,
          requestId: 'req_1',
          action: 'app.create',
          target,
          outcome: 'ok',
          detail: {},
        }),
      );
    const took = Date.now() - started;
    assert.ok(took < SLOW_WRITE_MS / 2, `three commits took ${took} ms: they waited for the head`);
    const evidence = await anchors.evidence();
    const last = await store.audit.last();
    assert.equal(evidence.head.kind, 'ok');
    assert.equal(
      evidence.head.kind === 'ok' && evidence.head.head.seq,
      last?.seq,
      'evidence is the newest head',
    );
    const file = await readHeadFile(anchors.file);
    assert.equal(file.kind === 'ok' && file.head.seq, last?.seq);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
