import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import { renderServiceUnit, UP_SERVICE, type ServiceKind } from './service-unit.js';

const run = promisify(execFile);

export interface ServiceInstall {
  /** Where the unit goes (default /etc/systemd/system). */
  dir: string;
  /** The command's flags, as the service will run it. */
  args: string[];
  /** Which service: `berth up` (the default) or `berth agent run`. */
  kind?: ServiceKind;
}

/**
 * Writes the unit (berth.service, or berth-agent.service) for the flags given; where systemd runs, reloads it and enables and
 * starts the service. Returns the exit code.
 */
export async function installService(s: ServiceInstall, say: (line: string) => void): Promise<number> {
  const cli = await realpath(fileURLToPath(import.meta.resolve('@berth/cli/main')));
  const readme = join(fileURLToPath(new URL('../../../../../', import.meta.url)), 'README.md');
  const kind = s.kind ?? UP_SERVICE;
  const unitName = kind.unitName;
  const unit = renderServiceUnit(kind, { node: process.execPath, cli, args: s.args, readme });
  const file = join(s.dir, unitName);
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
    say(`  systemctl daemon-reload && systemctl enable --now ${unitName}`);
    say(`  journalctl -u ${unitName} -f      # its logs`);
    return EXIT.ok;
  }
  await run('systemctl', ['daemon-reload']);
  await run('systemctl', ['enable', '--now', unitName]);
  say(`Enabled and started ${unitName}; logs: journalctl -u ${unitName} -f`);
  return EXIT.ok;
}
