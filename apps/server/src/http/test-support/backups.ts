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
  const target = await store.backupTargets.getByName(teamId, targetName);
  assert.ok(volume && target, 'volume and target exist');
  const id = `bak_${volume.id.slice(4)}`;
  if (await store.backups.get(id)) return id;
  await store.backups.create({
    id,
    teamId,
    sourceKind: 'volume',
    sourceId: volume.id,
    sourceName: volume.name,
    targetId: target.id,
    objectKey: `volumes/${volume.id}/x-${id}.berth`,
    bytes: 1,
    sha256: '0'.repeat(64),
    wrappedKey: 'x',
    recipientKeyId: '0'.repeat(16),
    tree: JSON.stringify({ entries: 0, files: 0, bytes: 0, hash: '0'.repeat(64) }),
    status: 'verified',
    verifyOutput: 'made up for a test',
    error: null,
    startedAt: 1,
    finishedAt: 2,
  });
  return id;
}
