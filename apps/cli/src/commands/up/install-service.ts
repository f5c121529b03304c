import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import { renderUpUnit, UP_UNIT_NAME } from './service-unit.js';

const run = promisify(execFile);

export interface ServiceInstall {
  /** Where the unit goes (default /etc/systemd/system). */
  dir: string;
  /** `berth up`'s flags, as the service will run it. */
  args: string[];
}

/**
 * Writes berth.service for the flags given; where systemd runs, reloads it and enables and
 * starts the service. Returns the exit code.
 */
export async function installService(s: ServiceInstall, say: (line: string) => void): Promise<number> {
  const cli = await realpath(fileURLToPath(import.meta.resolve('@berth/cli/main')));
  const readme = join(fileURLToPath(new URL('../../../../../', import.meta.url)), 'README.md');
  const unit = renderUpUnit({ node: process.execPath, cli, args: s.args, readme });
  const file = join(s.dir, UP_UNIT_NAME);
  try {
    await mkdir(s.dir, { recursive: true });
    await writeFile(file, unit, { mode: 0o644 });
  } catch (err) {
    throw new CliError(
      `Cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`,
      EXIT.userError,
      'Run it as root, or choose a directory with --service-dir',
    );
  }
  say(`Wrote ${file}`);
  if (!existsSync('/run/systemd/system')) {
    say('systemd is not running here; on a host where it runs:');
    say(`  systemctl daemon-reload && systemctl enable --now ${UP_UNIT_NAME}`);
    say(`  journalctl -u ${UP_UNIT_NAME} -f      # its logs`);
    return EXIT.ok;
  }
  await run('systemctl', ['daemon-reload']);
  await run('systemctl', ['enable', '--now', UP_UNIT_NAME]);
  say(`Enabled and started ${UP_UNIT_NAME}; logs: journalctl -u ${UP_UNIT_NAME} -f`);
  return EXIT.ok;
}
