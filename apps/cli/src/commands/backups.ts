import { BerthError, type BackupTargetCreate, type BackupView } from '@berth/protocol';
import { ApiError, type BerthClient } from '@berth/client';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';
import { readStdin } from '../cli/prompt.js';
import { followBackup } from './backup-follow.js';
import { formatBytes } from '../cli/format-bytes.js';
import { registerDatabaseRestore } from './backup-restore.js';

interface TeamOptions extends CommonOptions {
  team?: string;
}

interface AddOptions extends TeamOptions {
  s3?: string;
  bucket?: string;
  prefix?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKeyStdin?: boolean;
  dir?: string;
  allowPrivate?: boolean;
}

interface RunOptions extends TeamOptions {
  target: string;
  /** false with --no-wait. */
  wait: boolean;
}

interface ScheduleOptions extends TeamOptions {
  target: string;
  cron: string;
  keep: string;
}

/**
 * `berth backups targets add|list|remove`, `berth backups run|list|show`,
 * `berth backups schedule|schedules|unschedule` (issue 12). These command
 * names and flags are a contract operators script against: keep them.
 */
export function registerBackups(program: Command, environment: CliEnvironment): void {
  const backups = program
    .command('backups')
    .description('backups of volumes, encrypted on their server and verified by a restore before they count');
  const targets = backups
    .command('targets')
    .description('where backups go: a directory on the server, or S3-compatible storage');
  withCommon(targets.command('add <name>'))
    .description('add a target; the secret key is read from stdin, sealed, and never shown again')
    .option('--s3 <url>', 'S3-compatible endpoint: scheme, host and port (https://s3.example.com)')
    .option('--bucket <bucket>', 'the bucket (with --s3)')
    .option('--prefix <prefix>', 'keys are stored under it, e.g. berth/ (with --s3)')
    .option('--region <region>', 'the region (with --s3; default us-east-1)')
    .option('--access-key-id <id>', 'the access key id (with --s3)')
    .option('--secret-access-key-stdin', 'read the secret access key from stdin (with --s3)')
    .option('--dir <path>', 'a directory on the server of what is backed up (installation owners only)')
    .option(
      '--allow-private',
      'allow an S3 endpoint on a loopback or private address (installation owners only)',
    )
    .option('--team <team>', 'the team that owns it (default: yours)')
    .action(
      action(async (name: string, opts: AddOptions) => {
        const body: BackupTargetCreate = {
          name,
          ...(opts.team && { team: opts.team }),
          ...(opts.dir !== undefined && { dir: opts.dir }),
          ...(opts.allowPrivate === true && { allowPrivate: true }),
        };
        if (opts.s3 !== undefined) {
          if (opts.secretAccessKeyStdin !== true || !opts.bucket || !opts.accessKeyId)
            throw new BerthError(
              'VALIDATION_FAILED',
              '--s3 needs --bucket, --access-key-id and --secret-access-key-stdin',
            );
          body.s3 = {
            endpoint: opts.s3,
            bucket: opts.bucket,
            ...(opts.prefix !== undefined && { prefix: opts.prefix }),
            ...(opts.region !== undefined && { region: opts.region }),
            accessKeyId: opts.accessKeyId,
            secretAccessKey: await readStdin(),
          };
        }
        const t = await clientFor(environment, opts).createBackupTarget(body);
        if (opts.json) return printJson(t);
        process.stdout.write(`Added backup target ${t.name}: ${t.location}\n`);
      }),
    );
  withCommon(targets.command('list'))
    .description('name, team, kind and where (never a credential)')
    .action(
      action(async (opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listBackupTargets();
        if (opts.json) return printJson({ targets: list });
        if (list.length === 0) return void process.stdout.write('No backup targets\n');
        printTable(
          list.map((t) => [t.name, t.team, t.kind, t.location]),
          ['NAME', 'TEAM', 'KIND', 'LOCATION'],
        );
      }),
    );
  withCommon(targets.command('remove <name>'))
    .description('remove a target; refused while backups Berth knows of are on it')
    .option('--team <team>', 'the team that owns it (default: yours)')
    .action(
      action(async (name: string, opts: TeamOptions) => {
        await clientFor(environment, opts).deleteBackupTarget(name, opts.team);
        if (opts.json) return printJson({ removed: name });
        process.stdout.write(`Removed backup target ${name}\n`);
      }),
    );
  registerRun(backups.command('run <source>'), environment, 'any');
  registerDatabaseRestore(backups, environment);
  registerSchedules(backups, environment);
  withCommon(backups.command('list <source>'))
    .description(
      "a database's or a volume's backups, newest first: time, size, sha256, verified ✓/✗ with the check's output",
    )
    .option('--team <team>', 'the team that owns the source (default: yours)')
    .action(
      action(async (name: string, opts: TeamOptions) => {
        const client = clientFor(environment, opts);
        const list =
          (await sourceKindOf(client, name, opts.team)) === 'database'
            ? await client.listDatabaseBackups(name, opts.team)
            : await client.listVolumeBackups(name, opts.team);
        if (opts.json) return printJson({ backups: list });
        if (list.length === 0) return void process.stdout.write(`No backups of ${name}\n`);
        printTable(list.map(row), ['ID', 'STARTED', 'TARGET', 'SIZE', 'SHA256', 'VERIFIED']);
        for (const b of list) {
          const detail = b.status === 'failed' ? b.error : b.verifyOutput;
          if (detail) process.stdout.write(`\n${b.id}:\n${indent(detail)}\n`);
        }
      }),
    );
}

/** `berth volumes backup VOL --target T` and `berth volumes restore VOL BACKUP_ID`. */
export function registerVolumeBackups(volumes: Command, environment: CliEnvironment): void {
  registerRun(volumes.command('backup <volume>'), environment, 'volume');
  withCommon(volumes.command('restore <volume> <backup>'))
    .description(
      'restore a verified backup into the volume (checked again first); refused while an app that mounts it runs: scale it to 0, restore, scale it back',
    )
    .option('--team <team>', 'the team that owns the volume (default: yours)')
    .action(
      action(async (name: string, backup: string, opts: TeamOptions) => {
        const r = await clientFor(environment, opts).restoreVolume(name, backup, opts.team);
        if (opts.json) return printJson(r);
        process.stdout.write(`Restored backup ${r.backup} into volume ${r.volume}\n${indent(r.output)}\n`);
      }),
    );
}

/** A name given to `backups run|list`: a database of the team if there is one, else a volume. */
async function sourceKindOf(
  client: BerthClient,
  name: string,
  team: string | undefined,
): Promise<'database' | 'volume'> {
  try {
    await client.getDatabase(name, team);
    return 'database';
  } catch (err) {
    if (err instanceof ApiError && err.code === 'DATABASE_NOT_FOUND') return 'volume';
    throw err;
  }
}

function registerRun(cmd: Command, environment: CliEnvironment, sources: 'any' | 'volume'): void {
  withCommon(cmd)
    .description(
      sources === 'any'
        ? "back up a database (its engine's dump) or a volume now and verify it (read back, decrypted, restored into a scratch database or volume, checked); a job in berthd that this follows to its end"
        : 'back up a volume now and verify it (read back, decrypted, restored into a scratch volume, compared); a job in berthd that this follows to its end',
    )
    .requiredOption('--target <target>', 'the backup target (berth backups targets list)')
    .option('--team <team>', 'the team that owns the volume (default: yours)')
    .option('--no-wait', 'queue it and print it (status running) without following it')
    .action(
      action(async (name: string, opts: RunOptions) => {
        const client = clientFor(environment, opts);
        const queued =
          sources === 'any' && (await sourceKindOf(client, name, opts.team)) === 'database'
            ? await client.runDatabaseBackup(name, opts.target, opts.team)
            : await client.runVolumeBackup(name, opts.target, opts.team);
        if (!opts.wait) {
          if (opts.json) return printJson(queued);
          return void process.stdout.write(
            `Backup ${queued.id} of ${name} queued (follow it with: berth backups show ${queued.id})\n`,
          );
        }
        const b = await followBackup(client, queued, opts.team, opts.json !== true);
        if (opts.json) return printJson(b);
        process.stdout.write(
          `Backup ${b.id} of ${name} verified: ${b.bytes ?? 0} bytes, sha256 ${b.sha256 ?? '-'}\n${indent(b.verifyOutput ?? '')}\n`,
        );
      }),
    );
}

/** `berth backups schedule|schedules|unschedule` and `berth backups show`. */
function registerSchedules(backups: Command, environment: CliEnvironment): void {
  withCommon(backups.command('schedule <source>'))
    .description(
      "back a source (a database, else a volume) up on a schedule, keeping the newest N verified backups; replaces the source's schedule on that target",
    )
    .requiredOption('--target <target>', 'the backup target (berth backups targets list)')
    .requiredOption(
      '--cron <expr>',
      'when: 5 fields (minute hour day month weekday, UTC), or 6 with seconds first',
    )
    .requiredOption(
      '--keep <n>',
      'verified backups to keep (≥ 1); older ones, and failures older than the newest verified one, are deleted',
    )
    .option('--team <team>', 'the team that owns the source (default: yours)')
    .action(
      action(async (source: string, opts: ScheduleOptions) => {
        if (!/^[0-9]+$/.test(opts.keep))
          throw new BerthError('VALIDATION_FAILED', '--keep must be a whole number from 1 (e.g. --keep 14)');
        const s = await clientFor(environment, opts).setBackupSchedule({
          source,
          target: opts.target,
          cron: opts.cron,
          keep: Number(opts.keep),
          ...(opts.team && { team: opts.team }),
        });
        if (opts.json) return printJson(s);
        process.stdout.write(
          `${s.replaced === true ? 'Replaced' : 'Scheduled'} backups of ${s.source.name} to ${s.target}: ${s.cron}, keeping ${s.keep} verified; next at ${s.nextRunAt ?? 'never'}\n`,
        );
      }),
    );
  withCommon(backups.command('schedules'))
    .description('backup schedules: source, target, cron, keep, last and next run')
    .action(
      action(async (opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listBackupSchedules();
        if (opts.json) return printJson({ schedules: list });
        if (list.length === 0) return void process.stdout.write('No backup schedules\n');
        printTable(
          list.map((s) => [
            s.source.name,
            s.team,
            s.target,
            s.cron,
            String(s.keep),
            s.lastRunAt ?? '-',
            s.nextRunAt ?? '-',
          ]),
          ['SOURCE', 'TEAM', 'TARGET', 'CRON', 'KEEP', 'LAST RUN', 'NEXT RUN'],
        );
      }),
    );
  withCommon(backups.command('unschedule <source>'))
    .description("remove a source's backup schedule on a target (its backups stay)")
    .requiredOption('--target <target>', 'the backup target')
    .option('--team <team>', 'the team that owns the source (default: yours)')
    .action(
      action(async (source: string, opts: TeamOptions & { target: string }) => {
        await clientFor(environment, opts).deleteBackupSchedule(source, opts.target, opts.team);
        if (opts.json) return printJson({ removed: { source, target: opts.target } });
        process.stdout.write(`Removed the backup schedule of ${source} on ${opts.target}\n`);
      }),
    );
  withCommon(backups.command('show <backup>'))
    .description('one backup: running, verified ✓ (with the check) or failed ✗ (with the reason)')
    .option('--team <team>', 'the team that owns it (default: yours)')
    .action(
      action(async (id: string, opts: TeamOptions) => {
        const b = await clientFor(environment, opts).getBackup(id, opts.team);
        if (opts.json) return printJson(b);
        printTable([row(b)], ['ID', 'STARTED', 'TARGET', 'SIZE', 'SHA256', 'VERIFIED']);
        const detail = b.status === 'failed' ? b.error : b.verifyOutput;
        if (detail) process.stdout.write(`\n${indent(detail)}\n`);
      }),
    );
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

const row = (b: BackupView): string[] => [
  b.id,
  b.startedAt,
  b.target,
  b.bytes === null ? '-' : formatBytes(b.bytes),
  b.sha256 === null ? '-' : b.sha256.slice(0, 16),
  b.status === 'verified' ? '✓' : b.status === 'failed' ? '✗' : 'running',
];
