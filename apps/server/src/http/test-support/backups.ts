import assert from 'node:assert/strict';
import type { Store } from '@berth/store';
import { API, type Client } from './http.js';

/** Test helpers for backups: a target made through the API, a backup row made in the store. */

/** An S3 target on a public name (nothing is resolved or contacted when it is added). */
export async function s3TargetVia(client: Client, name: string, team: string, token?: string): Promise<void> {
  const res = await client.send({
    method: 'POST',
    url: `${API}/backup-targets`,
    body: {
      name,
      team,
      s3: {
        endpoint: 'https://s3.example.com',
        bucket: 'berth-test',
        prefix: 'berth/',
        accessKeyId: 'AKIDTEST',
        secretAccessKey: 'never-returned-secret',
      },
    },
    token,
  });
  assert.equal(res.status, 201, res.text);
}

/**
 * A `verified` backup row of a volume, as if one had been made: restoring it reaches the
 * volume's agent (none connects in these tests) before its made-up key is ever opened.
 */
export async function verifiedBackupRow(
  store: Store,
  teamId: string,
  volumeName: string,
  targetName: string,
): Promise<string> {
  const volume = await store.volumes.getByName(teamId, volumeName);
  assert.ok(volume, 'the volume exists');
  return backupRowOf(store, teamId, { kind: 'volume', id: volume.id, name: volume.name }, targetName, {
    tree: JSON.stringify({ entries: 0, files: 0, bytes: 0, hash: '0'.repeat(64) }),
  });
}

/** The same for a database: a made-up dump summary (one table of one row). */
export async function verifiedDatabaseBackupRow(
  store: Store,
  teamId: string,
  databaseName: string,
  targetName: string,
): Promise<string> {
  const database = await store.databases.getByName(teamId, databaseName);
  assert.ok(database, 'the database exists');
  const summary = {
    engine: database.engine,
    counts: { unit: 'rows', counts: [{ name: 't', count: 1 }] },
    sourceStable: true,
    toolOutput: '',
  };
  return backupRowOf(store, teamId, { kind: 'database', id: database.id, name: database.name }, targetName, {
    tree: JSON.stringify(summary),
  });
}

async function backupRowOf(
  store: Store,
  teamId: string,
  source: { kind: 'volume' | 'database'; id: string; name: string },
  targetName: string,
  made: { tree: string },
): Promise<string> {
  const target = await store.backupTargets.getByName(teamId, targetName);
  assert.ok(target, 'the target exists');
  const id = `bak_${source.id
    .slice(source.id.indexOf('_') + 1)
    .padEnd(20, 'a')
    .slice(0, 20)}`;
  if (await store.backups.get(id)) return id;
  await store.backups.create({
    id,
    teamId,
    sourceKind: source.kind,
    sourceId: source.id,
    sourceName: source.name,
    targetId: target.id,
    objectKey: `${source.kind}s/${source.id}/x-${id}.berth`,
    bytes: 1,
    sha256: '0'.repeat(64),
    wrappedKey: 'x',
    recipientKeyId: '0'.repeat(16),
    tree: made.tree,
    status: 'verified',
    verifyOutput: 'made up for a test',
    error: null,
    startedAt: 1,
    finishedAt: 2,
  });
  return id;
}
