/**
 * Issue 12, volume backups through the CLI against a real `berth up`, a real directory target and
 * a real S3-compatible server (s3rver on loopback, test/support/s3rver.ts): files written into a
 * volume through an app are backed up to both targets and each backup is verified (read back,
 * decrypted, restored into a scratch volume, compared); a restore into the volume brings the
 * files back as they were (a symlink to a host file stays a symlink); a damaged object is refused
 * loudly and restores nothing; S3 unreachable is a failed backup with its reason, never a good
 * one; hostile target names, prefixes and endpoints are refused. A run is a job the CLI follows;
 * a schedule with a seconds field and --keep 2 leaves exactly 2 verified backups (the others'
 * objects deleted from S3); kill -9 of berthd mid-backup leaves it failed after the restart.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupScheduleView, BackupTargetView, BackupView } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { startS3rver, type RunningS3 } from '../support/s3rver.js';
import { BerthUnderTest } from './support/berth.js';

const MOUNT = '/var/lib/uploads';
const MARKER = join(tmpdir(), `berth-e2e-backup-pwned-${process.pid}`);

describe('volume backups', () => {
  let berth: BerthUnderTest;
  let s3: RunningS3 | null = null;
  let dir = '';

  before(async () => {
    await ensureExampleImages();
    dir = await mkdtemp(join(tmpdir(), 'berth-e2e-backups-'));
    s3 = await startS3rver();
    berth = await BerthUnderTest.create();
    await berth.start();
  });
  after(async () => {
    await berth?.destroy();
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function inApp(argv: string[]): Promise<string> {
    let last = { code: -1, stdout: '', stderr: '' };
    for (let i = 0; i < 100; i++) {
      last = await berth.cli(['exec', 'web', '--', ...argv]);
      if (last.code === 0) return last.stdout;
      await sleep(200);
    }
    throw new Error(`berth exec ${argv.join(' ')} exited ${last.code}: ${last.stdout}${last.stderr}`);
  }

  const files = (): Promise<string> =>
    inApp(['sh', '-c', `cd ${MOUNT} && cat a.txt sub/b.txt && readlink host-shadow && ls -A`]);
  const backups = async (): Promise<BackupView[]> =>
    (await berth.json<{ backups: BackupView[] }>(['backups', 'list', 'uploads'])).backups;
  const ok = (r: { code: number; stdout: string; stderr: string }): void =>
    assert.equal(r.code, 0, r.stdout + r.stderr);

  let original = '';

  test('an app writes files (and a symlink to a host file) into its volume', async () => {
    ok(await berth.cli(['volumes', 'create', 'uploads']));
    ok(await berth.cli(['apps', 'create', 'web', '--image', HELLO_V1, '--volume', `uploads:${MOUNT}`]));
    ok(await berth.cli(['deploy', 'web']));
    await inApp([
      'sh',
      '-c',
      `mkdir -p ${MOUNT}/sub && echo one > ${MOUNT}/a.txt && echo two > ${MOUNT}/sub/b.txt && ln -s /etc/shadow ${MOUNT}/host-shadow`,
    ]);
    original = await files();
    assert.match(original, /^one\ntwo\n\/etc\/shadow\na.txt\nhost-shadow\nsub\n$/);
  });

  test('targets: a directory and S3; credentials never come back', async () => {
    ok(await berth.cli(['backups', 'targets', 'add', 'local', '--dir', dir]));
    const added = await berth.cli(
      [
        ...['backups', 'targets', 'add', 'offsite', '--s3', s3?.endpoint ?? '', '--bucket', s3?.bucket ?? ''],
        ...['--prefix', 'berth/', '--access-key-id', s3?.accessKeyId ?? '', '--secret-access-key-stdin'],
        '--allow-private',
      ],
      {},
      `${s3?.secretAccessKey ?? ''}\n`,
    );
    ok(added);
    const listed = await berth.cli(['backups', 'targets', 'list', '--json']);
    ok(listed);
    assert.ok(!listed.stdout.includes(s3?.secretAccessKey ?? 'x'), 'no credential in the listing');
    const { targets } = JSON.parse(listed.stdout) as { targets: BackupTargetView[] };
    assert.deepEqual(
      targets.map((t) => [t.name, t.kind]),
      [
        ['local', 'dir'],
        ['offsite', 's3'],
      ],
    );
  });

  test('a backup to each target is verified by a restore into a scratch volume', async () => {
    const toDir = await berth.cli(['volumes', 'backup', 'uploads', '--target', 'local']);
    ok(toDir);
    assert.match(toDir.stdout, /verified/);
    ok(await berth.cli(['backups', 'run', 'uploads', '--target', 'offsite']));
    const list = await backups();
    assert.equal(list.length, 2);
    for (const b of list) {
      assert.equal(b.status, 'verified', JSON.stringify(b));
      assert.match(b.sha256 ?? '', /^[0-9a-f]{64}$/);
      assert.match(b.verifyOutput ?? '', /sha256 [0-9a-f]{64} matches/);
      assert.match(b.verifyOutput ?? '', /4 entries, 2 files, 8 bytes/);
      assert.match(b.verifyOutput ?? '', /equals the tree that was backed up/);
    }
    const human = await berth.cli(['backups', 'list', 'uploads']);
    assert.match(human.stdout, /✓/);
    // What lands on the targets is ciphertext: the file contents are nowhere in it.
    assert.ok(list.some((b) => b.objectKey.startsWith('volumes/')));
    assert.ok(
      s3?.requests.some((r) => r.startsWith('PUT /berth-test/berth/volumes/')),
      s3?.requests.join('\n'),
    );
  });

  test('restore is refused while the app runs; stopped, it brings the files back', async () => {
    const [latest] = await backups();
    await inApp(['sh', '-c', `echo changed > ${MOUNT}/a.txt && rm -r ${MOUNT}/sub && touch ${MOUNT}/new`]);
    const refused = await berth.cli(['volumes', 'restore', 'uploads', latest?.id ?? '']);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /running app/);
    ok(await berth.cli(['scale', 'web', '--replicas', '0']));
    const restored = await berth.cli(['volumes', 'restore', 'uploads', latest?.id ?? '']);
    ok(restored);
    assert.match(restored.stdout, /equals the tree that was backed up/);
    ok(await berth.cli(['scale', 'web', '--replicas', '1']));
    assert.equal(await files(), original);
  });

  test('a damaged object is refused loudly and restores nothing', async () => {
    const local = (await backups()).find((b) => b.target === 'local');
    const path = join(dir, local?.objectKey ?? '');
    const size = (await stat(path)).size;
    const handle = await open(path, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 40);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await handle.write(byte, 0, 1, size - 40);
    await handle.close();
    await inApp(['sh', '-c', `echo after-damage > ${MOUNT}/a.txt`]);
    ok(await berth.cli(['scale', 'web', '--replicas', '0']));
    const r = await berth.cli(['volumes', 'restore', 'uploads', local?.id ?? '']);
    assert.notEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /altered|integrity|sha256/i);
    ok(await berth.cli(['scale', 'web', '--replicas', '1']));
    assert.match(await inApp(['cat', `${MOUNT}/a.txt`]), /^after-damage\n$/);
  });

  test('a schedule every 2 s with --keep 2 makes verified backups and leaves exactly 2', async () => {
    const onOffsite = async (): Promise<BackupView[]> =>
      (await backups()).filter((b) => b.target === 'offsite');
    const set = await berth.cli([
      ...['backups', 'schedule', 'uploads', '--target', 'offsite', '--cron', '*/2 * * * * *', '--keep', '2'],
    ]);
    ok(set);
    assert.match(
      set.stdout,
      /Scheduled backups of uploads to offsite: \*\/2 \* \* \* \* \*, keeping 2 verified/,
    );
    const { schedules } = await berth.json<{ schedules: BackupScheduleView[] }>(['backups', 'schedules']);
    assert.deepEqual(
      schedules.map((s) => [s.source.name, s.target, s.cron, s.keep]),
      [['uploads', 'offsite', '*/2 * * * * *', 2]],
    );
    // Seen verified: the one from before, and at least three scheduled ones, so two were pruned.
    const seen = new Set<string>();
    const deadline = Date.now() + 120_000;
    for (;;) {
      for (const b of await onOffsite()) if (b.status === 'verified') seen.add(b.id);
      if (seen.size >= 4) break;
      assert.ok(Date.now() < deadline, `verified scheduled backups seen: ${[...seen].join(' ')}`);
      await sleep(500);
    }
    // Removed while a scheduled one is held mid-upload: that one ends after its schedule is
    // gone, and still keeps to the `keep` it was queued under.
    const release = s3?.hold() ?? ((): void => {});
    const [running] = await untilRunning(onOffsite);
    await untilOnTarget(running?.id ?? '');
    ok(await berth.cli(['backups', 'unschedule', 'uploads', '--target', 'offsite']));
    release();
    assert.deepEqual((await berth.json<{ schedules: unknown[] }>(['backups', 'schedules'])).schedules, []);
    // The last queued one ends; then exactly 2 verified remain, and nothing older.
    let left: BackupView[] = [];
    for (let i = 0; i < 240; i++) {
      left = await onOffsite();
      if (left.every((b) => b.status !== 'running')) break;
      await sleep(500);
    }
    const verified = left.filter((b) => b.status === 'verified');
    assert.equal(verified.length, 2, JSON.stringify(left, null, 1));
    const newest = verified[0]?.startedAt ?? '';
    assert.ok(
      left.every((b) => b.status === 'verified' || b.startedAt > newest),
      'no failure older than them',
    );
    // The pruned ones' objects were deleted from the target, not only their rows.
    const pruned = [...seen].filter((id) => !verified.some((b) => b.id === id));
    assert.ok(pruned.length >= 2, pruned.join(' '));
    for (const id of pruned)
      assert.ok(
        s3?.requests.some((r) => r.startsWith('DELETE /berth-test/berth/volumes/') && r.includes(id)),
        `DELETE of ${id}'s object: ${s3?.requests.filter((r) => r.startsWith('DELETE')).join('\n')}`,
      );
  });

  test('on a directory target, retention deletes the pruned objects through the agent of the server that wrote them', async () => {
    const onLocal = async (): Promise<BackupView[]> => (await backups()).filter((b) => b.target === 'local');
    ok(
      await berth.cli([
        ...['backups', 'schedule', 'uploads', '--target', 'local', '--cron', '*/2 * * * * *', '--keep', '1'],
      ]),
    );
    const seen = new Set<string>();
    const deadline = Date.now() + 120_000;
    while (seen.size < 3) {
      for (const b of await onLocal()) if (b.status === 'verified') seen.add(b.id);
      assert.ok(Date.now() < deadline, `verified scheduled backups seen: ${[...seen].join(' ')}`);
      await sleep(500);
    }
    ok(await berth.cli(['backups', 'unschedule', 'uploads', '--target', 'local']));
    let left: BackupView[] = [];
    for (let i = 0; i < 240; i++) {
      left = await onLocal();
      if (left.every((b) => b.status !== 'running')) break;
      await sleep(500);
    }
    const kept = left.filter((b) => b.status === 'verified').map((b) => b.id);
    assert.equal(kept.length, 1, JSON.stringify(left, null, 1));
    const files = (await readdir(dir, { recursive: true })).map(String);
    for (const id of seen)
      assert.equal(
        files.some((f) => f.includes(id)),
        left.some((b) => b.id === id),
        `${id}: its object is there exactly while its row is (${files.join(' ')})`,
      );
  });

  /** Until a (scheduled) backup is under way: the running ones. */
  async function untilRunning(list: () => Promise<BackupView[]>): Promise<BackupView[]> {
    for (let i = 0; ; i++) {
      const running = (await list()).filter((b) => b.status === 'running');
      if (running.length > 0) return running;
      assert.ok(i < 600, 'no scheduled backup started');
      await sleep(50);
    }
  }

  /** Until the agent's first request for the backup's object reaches s3rver. */
  async function untilOnTarget(backupId: string): Promise<void> {
    for (let i = 0; !s3?.requests.some((r) => r.includes(backupId)); i++) {
      assert.ok(i < 600, 'the backup never reached the target');
      await sleep(100);
    }
  }

  /** A large file in the volume, so a backup is still under way when a process is killed. */
  const queueLargeBackup = async (): Promise<BackupView> => {
    await inApp(['sh', '-c', `head -c 60000000 /dev/urandom > ${MOUNT}/big.bin`]);
    const queued = await berth.json<BackupView>([
      'backups',
      'run',
      'uploads',
      '--target',
      'offsite',
      '--no-wait',
    ]);
    assert.equal(queued.status, 'running');
    return queued;
  };

  test('kill -9 of berthd during a backup: after its restart the backup is failed, never good', async () => {
    const queued = await queueLargeBackup();
    // Killed once its object is on its way to the target (the agent's first request for it).
    await untilOnTarget(queued.id);
    const pid = await berth.pid('berthd');
    process.kill(pid, 'SIGKILL');
    await berth.waitForRestart('berthd', pid);
    await berth.waitForAgentsOnline();
    const after = await berth.json<BackupView>(['backups', 'show', queued.id]);
    assert.equal(after.status, 'failed', JSON.stringify(after));
    assert.match(after.error ?? '', /berthd stopped while this backup ran: it was never verified/);
    // Whatever part of its object reached the target was deleted by the restarted berthd.
    assert.ok(
      s3?.requests.some((r) => r.startsWith('DELETE ') && r.includes(queued.id)),
      s3?.requests.filter((r) => r.startsWith('DELETE')).join('\n'),
    );
    await inApp(['rm', `${MOUNT}/big.bin`]);
  });

  test('kill -9 of the agent during a backup: the backup fails with the reason, never good', async () => {
    const queued = await queueLargeBackup();
    await untilOnTarget(queued.id);
    const pid = await berth.pid('agent');
    process.kill(pid, 'SIGKILL');
    await berth.waitForRestart('agent', pid);
    await berth.waitForAgentsOnline();
    let after = await berth.json<BackupView>(['backups', 'show', queued.id]);
    for (let i = 0; after.status === 'running' && i < 300; i++) {
      await sleep(200);
      after = await berth.json<BackupView>(['backups', 'show', queued.id]);
    }
    assert.equal(after.status, 'failed', JSON.stringify(after));
    assert.match(after.error ?? '', /agent/i);
    await inApp(['rm', `${MOUNT}/big.bin`]);
  });

  test('S3 unreachable: the backup fails with the reason and nothing is marked good', async () => {
    await s3?.stop();
    s3 = null;
    const verifiedBefore = (await backups()).filter((b) => b.status === 'verified').length;
    const r = await berth.cli(['backups', 'run', 'uploads', '--target', 'offsite']);
    assert.notEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /failed/);
    const [latest] = await backups();
    assert.equal(latest?.status, 'failed');
    assert.match(latest?.error ?? '', /BACKUP_TARGET_FAILED|ECONNREFUSED|connect/);
    assert.equal((await backups()).filter((b) => b.status === 'verified').length, verifiedBefore);
  });

  test('hostile target names, prefixes, directories and endpoints are refused', async () => {
    const s3Args = ['--bucket', 'b-1', '--access-key-id', 'k', '--secret-access-key-stdin'];
    for (const [args, why] of [
      [['backups', 'targets', 'add', `x; touch ${MARKER}`, '--dir', dir], /name/],
      [['backups', 'targets', 'add', '../up', '--dir', dir], /name/],
      [
        [
          'backups',
          'targets',
          'add',
          'p1',
          '--s3',
          'https://s3.example.com',
          '--prefix',
          '../etc/',
          ...s3Args,
        ],
        /prefix/,
      ],
      [
        [
          'backups',
          'targets',
          'add',
          'p2',
          '--s3',
          'https://s3.example.com',
          '--prefix',
          `$(touch ${MARKER})/`,
          ...s3Args,
        ],
        /prefix/,
      ],
      [
        ['backups', 'targets', 'add', 'p3', '--s3', 'http://169.254.169.254', ...s3Args],
        /not allowed|private|link-local|metadata/i,
      ],
      [['backups', 'targets', 'add', 'd1', '--dir', '/srv/../etc'], /dir/],
      [['volumes', 'backup', 'uploads', '--target', `x'; touch ${MARKER}`], /target|name/i],
    ] as const) {
      const r = await berth.cli(args, {}, 'secret\n');
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, why, r.stderr);
    }
    assert.equal(existsSync(MARKER), false, 'no marker file');
    const { targets } = await berth.json<{ targets: BackupTargetView[] }>(['backups', 'targets', 'list']);
    assert.deepEqual(
      targets.map((t) => t.name),
      ['local', 'offsite'],
    );
    // Nothing but the objects: no leftover temp file in the directory target.
    const volumeDirs = await readdir(join(dir, 'volumes'));
    assert.equal(volumeDirs.length, 1);
  });
});
