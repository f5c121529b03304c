import { spawn } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError, printJson, printTable } from '../cli/output.js';
import { askHidden, readStdin } from '../cli/prompt.js';
import { berthdMain } from './up/children.js';

interface BackupOptions extends CommonOptions {
  target: string;
  team?: string;
  passphraseStdin?: boolean;
}

interface RestoreOptions {
  from: string;
  dataDir: string;
  passphraseStdin?: boolean;
  force?: boolean;
  json?: boolean;
}

const MIN_PASSPHRASE = 12;

/** From stdin, or typed twice on a terminal (a typo here would make the backup unopenable). */
async function passphrase(fromStdin: boolean, confirm: boolean): Promise<string> {
  if (fromStdin) return readStdin();
  if (!process.stdin.isTTY)
    throw new CliError(
      'No terminal to type the passphrase into',
      EXIT.userError,
      'Pipe it in with --passphrase-stdin',
    );
  const first = await askHidden('Passphrase: ');
  if (first.length < MIN_PASSPHRASE)
    throw new CliError(`The passphrase must be at least ${MIN_PASSPHRASE} characters`, EXIT.userError);
  if (confirm && (await askHidden('Passphrase again: ')) !== first)
    throw new CliError('The two passphrases differ', EXIT.userError);
  return first;
}

/**
 * `berth system backup|backups|restore`: Berth's own state. A backup is made by berthd (it
 * holds the database and the keys); a restore runs `berthd restore` on this machine, offline,
 * before berthd starts on the new data dir.
 */
export function registerSystem(program: Command, environment: CliEnvironment): void {
  const system = program
    .command('system')
    .description("Berth's own state: back it up, restore it (installation owners)");

  withCommon(system.command('backup'))
    .description(
      "seal berthd's database snapshot and key files under a passphrase and write them to a backup target",
    )
    .requiredOption(
      '--target <name>',
      "a backup target (berth backups targets add): a directory on berthd's machine or S3",
    )
    .option('--team <team>', "the team whose target it is (default: the installation's default team)")
    .option('--passphrase-stdin', 'read the passphrase from stdin (else asked for, twice, on the terminal)')
    .action(
      action(async (opts: BackupOptions) => {
        const secret = await passphrase(opts.passphraseStdin === true, true);
        const b = await clientFor(environment, opts).createSystemBackup({
          target: opts.target,
          passphrase: secret,
          ...(opts.team !== undefined && { team: opts.team }),
        });
        if (opts.json) return printJson(b);
        process.stdout.write(
          `Backed up Berth's state to ${b.location} as ${b.key} (${b.bytes} bytes), read back and verified.\n` +
            `Keep the passphrase apart from the backup: without it the backup cannot be opened.\n`,
        );
        if (b.masterKeyFromEnvironment)
          process.stdout.write(
            'The master key comes from BERTH_MASTER_KEY and is not in the backup: keep it too.\n',
          );
      }),
    );

  withCommon(system.command('backups'))
    .description('the system backups berthd made and verified, newest first')
    .action(
      action(async (opts: CommonOptions) => {
        const backups = await clientFor(environment, opts).listSystemBackups();
        if (opts.json) return printJson({ backups });
        printTable(
          backups.map((b) => [b.id, b.target, b.key, String(b.bytes), b.verifiedAt]),
          ['ID', 'TARGET', 'KEY', 'BYTES', 'VERIFIED'],
        );
      }),
    );

  system
    .command('restore')
    .description(
      'write a system backup into a new data dir, before berthd starts there (runs berthd restore)',
    )
    .requiredOption(
      '--from <file>',
      'the backup file (on a directory target: <dir>/berth-system/<name>.berthsb)',
    )
    .requiredOption('--data-dir <dir>', 'the data dir berthd will use (empty, or --force)')
    .option('--passphrase-stdin', 'read the passphrase from stdin (else asked for on the terminal)')
    .option('--force', 'replace the state in a data dir that is not empty (stop berthd first)')
    .option('--json', 'print machine-readable JSON')
    .action(
      action(async (opts: RestoreOptions) => {
        const secret = await passphrase(opts.passphraseStdin === true, false);
        const dataDir = isAbsolute(opts.dataDir) ? opts.dataDir : resolve(opts.dataDir);
        const args = [
          berthdMain(),
          'restore',
          '--from',
          resolve(opts.from),
          '--data-dir',
          dataDir,
          '--passphrase-stdin',
          ...(opts.force ? ['--force'] : []),
          ...(opts.json ? ['--json'] : []),
        ];
        const code = await new Promise<number>((done, fail) => {
          const child = spawn(process.execPath, args, { stdio: ['pipe', 'inherit', 'inherit'] });
          child.once('error', fail);
          child.once('exit', (c) => done(c ?? 1));
          child.stdin.end(`${secret}\n`);
        });
        if (code !== 0) throw new CliError('The restore failed (berthd said why, above)', EXIT.userError);
      }),
    );
}
