// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AUDIT_GENESIS_HASH,
  toAuditHashInput,
  verifyAuditExport,
  type AuditAnchor,
  type AuditExport,
  type ChainedAuditRecord,
} from '@berth/core';
import { sha3_256Hex, verifyAuditSignature } from '@berth/crypto';
import type { AuditVerification } from '@berth/protocol';
import Database from 'better-sqlite3';
import { CHECKPOINT_EVERY } from '../audit/anchor.js';
import { HEAD_FILE } from '../audit/head-file.js';
import { startTestApi, type TestApi } from './test-support/api.js';
import { API, createClient, type Client } from './test-support/http.js';

/**
 * The audit log's end is anchored outside the database: deleting the newest row, or the newest
 * N, is named by GET /audit/verify and by verifying the export (as `berth audit verify` does),
 * as surely as an edit. Rows are removed the way an attacker with the database file would, with
 * a second connection to it; berthd never knows.
 */

const withApi = async (fn: (api: TestApi, client: Client) => Promise<void>): Promise<void> => {
  const api = await startTestApi({ inMemory: true });
  try {
    await fn(api, createClient(api));
  } finally {
    await api.close();
  }
};

/**
 * n audited changes: projects made through the API. Then a verify, which waits for the head
 * writes under way (they follow the commits, not before the answer): the tests below tamper
 * with an anchored log, not with one whose head is still being written.
 */
async function changes(client: Client, n: number, prefix = 'p'): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await client.send({
      method: 'POST',
      url: `${API}/projects`,
      body: { name: `${prefix}-${i}` },
    });
    assert.equal(res.status, 201, res.text);
  }
  await verifyApi(client);
}

async function verifyApi(client: Client): Promise<AuditVerification> {
  const res = await client.send({ method: 'GET', url: `${API}/audit/verify` });
  assert.equal(res.status, 200, res.text);
  return res.json as AuditVerification;
}

/** What `berth audit verify` does with the export, here in-process. */
async function verifyExport(client: Client): Promise<ReturnType<typeof verifyAuditExport>> {
  const res = await client.send({ method: 'GET', url: `${API}/audit/export` });
  assert.equal(res.status, 200, res.text);
  const e: {
    keys: AuditExport['keys'][number][];
    head: AuditAnchor | null;
    checkpoints: AuditAnchor[];
    rows: ChainedAuditRecord[];
  } = { keys: [], head: null, checkpoints: [], rows: [] };
  for (const text of res.text.trimEnd().split('\n')) {
    const line = JSON.parse(text) as Record<string, unknown> & { type?: string };
    if (line.type === 'key') e.keys.push(line as unknown as AuditExport['keys'][number]);
    else if (line.type === 'head') e.head = line as unknown as AuditAnchor;
    else if (line.type === 'checkpoint') e.checkpoints.push(line as unknown as AuditAnchor);
    else e.rows.push(line as unknown as ChainedAuditRecord);
  }
  return verifyAuditExport(e, { hash: sha3_256Hex, verify: verifyAuditSignature });
}

/** SQL as the sqlite3 tool would run it on the database file. */
function sql(api: TestApi, statement: string): void {
  const db = new Database(join(api.dataDir, 'berth.db'));
  try {
    db.prepare(statement).run();
  } finally {
    db.close();
  }
}

/** A data dir that outlives one berthd, for tests that restart it. */
const freshDir = (): Promise<string> =>
  mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'berth-anchor-'));

const lastSeq = async (api: TestApi): Promise<number> => (await api.store.audit.last())?.seq ?? 0;

test('an intact log verifies, anchored at its newest row by a 0600 head file beside master.key', () =>
  withApi(async (api, client) => {
    await changes(client, 3);
    const v = await verifyApi(client);
    assert.deepEqual([v.ok, v.anchoredSeq, v.checked, v.notes], [true, await lastSeq(api), v.checked, []]);
    assert.equal(v.checked, await lastSeq(api));
    const mode = (await stat(join(api.dataDir, HEAD_FILE))).mode & 0o777;
    assert.equal(mode, 0o600);
    const head = JSON.parse(await readFile(join(api.dataDir, HEAD_FILE), 'utf8')) as {
      seq: number;
      keyId: string;
    };
    assert.equal(head.seq, await lastSeq(api), 'kept in step with every append');
    assert.equal(head.keyId, v.signingKey.keyId);
    assert.ok((await verifyExport(client)).ok);
  }));

test('deleting the newest row is named, by the API and by the export', () =>
  withApi(async (api, client) => {
    await changes(client, 3);
    const n = await lastSeq(api);
    sql(api, 'DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)');
    const v = await verifyApi(client);
    assert.deepEqual([v.ok, v.seq], [false, n]);
    assert.equal(
      v.reason,
      `row ${n} is missing at the end: the signed head kept beside the master key records row ${n}`,
    );
    const e = await verifyExport(client);
    assert.deepEqual([e.ok, !e.ok && e.seq], [false, n]);
  }));

test('deleting the newest N rows is named, with the range', () =>
  withApi(async (api, client) => {
    await changes(client, 8);
    const n = await lastSeq(api);
    sql(api, `DELETE FROM audit_log WHERE seq > ${n - 5}`);
    const v = await verifyApi(client);
    assert.equal(v.ok, false);
    assert.match(v.reason ?? '', new RegExp(`^rows ${n - 4}-${n} are missing at the end`));
    assert.equal((await verifyExport(client)).ok, false);
    // Emptied altogether: the same.
    sql(api, 'DELETE FROM audit_log');
    assert.match((await verifyApi(client)).reason ?? '', new RegExp(`^rows 1-${n} are missing`));
  }));

test('the head stays as evidence: changes after a deletion do not seal over it', () =>
  withApi(async (api, client) => {
    await changes(client, 3);
    const n = await lastSeq(api);
    sql(api, `DELETE FROM audit_log WHERE seq > ${n - 2}`);
    await changes(client, 4, 'after');
    const head = JSON.parse(await readFile(join(api.dataDir, HEAD_FILE), 'utf8')) as { seq: number };
    assert.equal(head.seq, n, 'the head did not move on');
    const v = await verifyApi(client);
    assert.equal(v.ok, false, JSON.stringify(v));
    assert.equal((await verifyExport(client)).ok, false);
  }));

test('a log rewritten with every hash recomputed differs from the signed head', () =>
  withApi(async (api, client) => {
    await changes(client, 3);
    // Edit row 2, recompute every hash after it and the recorded head, as only the database
    // would be needed to do.
    const db = new Database(join(api.dataDir, 'berth.db'));
    try {
      db.prepare("UPDATE audit_log SET target = 'project:innocent' WHERE seq = 2").run();
      const rows = await api.store.audit.list({ afterSeq: 0, limit: 1000 });
      let prev = AUDIT_GENESIS_HASH;
      for (const r of rows) {
        const hash = sha3_256Hex(toAuditHashInput(prev, r));
        db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
        prev = hash;
      }
      db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head'").run(prev);
    } finally {
      db.close();
    }
    const v = await verifyApi(client);
    assert.equal(v.ok, false);
    assert.match(v.reason ?? '', /differs from the signed head/);
  }));

test('checkpoints: one is signed every CHECKPOINT_EVERY rows, exported, and names rows cut behind a re-anchored head', async () => {
  const dataDir = await freshDir();
  const first = await startTestApi({ dataDir });
  let api = first;
  try {
    // Many rows at once, as a burst of requests would leave them.
    await api.store.transaction(async (tx) => {
      for (let i = 0; i < CHECKPOINT_EVERY + 5; i++)
        await tx.audit.append({
          at: Date.now(),
          actorKind: 'system',
          actorId: null,
          actorName: 'test',
          teamId: null,
          requestId: null,
          action: 'test.burst',
          target: null,
          outcome: 'ok',
          detail: { i },
        });
    });
    // Checkpoints are written with the head, after the commit: verify waits for them.
    await verifyApi(createClient(api));
    const [checkpoint] = await api.store.auditCheckpoints.list();
    const n = await lastSeq(api);
    assert.equal(checkpoint?.seq, n);
    const exported = await createClient(api).send({ method: 'GET', url: `${API}/audit/export` });
    assert.ok(exported.text.includes('"type":"checkpoint"'), 'the export carries it');
    await api.close();
    // The database cut back, and the head file gone too (someone with the data dir's files):
    // berthd anchors anew, says so, and the checkpoint still names what is missing.
    sql(api, `DELETE FROM audit_log WHERE seq > ${n - 10}`);
    sql(
      api,
      `UPDATE meta SET value = (SELECT hash FROM audit_log WHERE seq = ${n - 10}) WHERE key = 'audit_head'`,
    );
    await rm(join(dataDir, HEAD_FILE));
    api = await startTestApi({ dataDir });
    const [reanchored] = (await api.store.audit.list({ afterSeq: n - 10, limit: 10 })).filter(
      (r) => r.action === 'audit.anchor',
    );
    assert.match(String(reanchored?.detail.reason), /head file was missing/);
    const v = await verifyApi(createClient(api));
    assert.equal(v.ok, false);
    assert.match(
      v.reason ?? '',
      /differs from the signed checkpoint|missing at the end: the signed checkpoint/,
    );
  } finally {
    await api.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('key rotation: the anchors are signed again under the new key, and the old key retires', () =>
  withApi(async (api, client) => {
    await changes(client, 2);
    const rotated = await client.send({ method: 'POST', url: `${API}/keys/rotate` });
    assert.equal(rotated.status, 200, rotated.text);
    const { previous, current } = rotated.json as { previous: string; current: string };
    const retired = await client.send({ method: 'DELETE', url: `${API}/keys/${previous}` });
    assert.equal(retired.status, 204, retired.text);
    const head = JSON.parse(await readFile(join(api.dataDir, HEAD_FILE), 'utf8')) as { keyId: string };
    assert.equal(head.keyId, current);
    const v = await verifyApi(client);
    assert.deepEqual([v.ok, v.signingKey.keyId], [true, current], JSON.stringify(v));
    assert.ok((await verifyExport(client)).ok);
  }));

test('an installation without a head file starts, says so in the log, and is anchored from there', async () => {
  const dataDir = await freshDir();
  const first = await startTestApi({ dataDir });
  await changes(createClient(first), 2);
  await first.close();
  await rm(join(dataDir, HEAD_FILE));
  const api = await startTestApi({ dataDir });
  try {
    const rows = await api.store.audit.list({ afterSeq: 0, limit: 1000 });
    const anchor = rows.find((r) => r.action === 'audit.anchor');
    assert.deepEqual([anchor?.actorKind, anchor?.teamId, anchor?.outcome], ['system', null, 'ok']);
    assert.match(String(anchor?.detail.reason), /head file was missing/);
    const v = await verifyApi(createClient(api));
    assert.equal(v.ok, true, JSON.stringify(v));
  } finally {
    await api.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('rows deleted while berthd was stopped are named once it runs again', async () => {
  const dataDir = await freshDir();
  const first = await startTestApi({ dataDir });
  await changes(createClient(first), 3);
  const n = await lastSeq(first);
  await first.close();
  sql(first, 'DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)');
  const api = await startTestApi({ dataDir });
  try {
    const v = await verifyApi(createClient(api));
    assert.deepEqual([v.ok, v.seq], [false, n]);
  } finally {
    await api.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a head file removed or edited while berthd runs is named, never taken at its word', () =>
  withApi(async (api, client) => {
    await changes(client, 2);
    const file = join(api.dataDir, HEAD_FILE);
    const text = await readFile(file, 'utf8');
    const head = JSON.parse(text) as { seq: number };
    await writeFile(file, JSON.stringify({ ...head, seq: head.seq - 1 }));
    const edited = await verifyApi(client);
    assert.equal(edited.ok, false);
    assert.match(edited.reason ?? '', /does not carry a valid signature/);
    await rm(file);
    const missing = await verifyApi(client);
    assert.equal(missing.ok, false);
    assert.match(missing.reason ?? '', /head file .* is missing/);
    await writeFile(file, 'not json');
    assert.match((await verifyApi(client)).reason ?? '', /unreadable/);
  }));
