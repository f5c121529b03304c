/**
 * The systemd unit that runs `berth up` as a service (`berth up --install-service`): started at
 * boot, restarted when it dies, stopped with SIGTERM to `berth up` (which stops its children),
 * its output (every child's, prefixed) in the journal. Pure: the command line in, text out.
 */

export interface UpUnitInput {
  /** Absolute path of node. */
  node: string;
  /** Absolute path of the CLI's main.js. */
  cli: string;
  /** Arguments after `up`, e.g. ['--data-dir', '/var/lib/berth']. */
  args: string[];
  /** README of the install, for `Documentation=`. */
  readme: string;
}

export const UP_UNIT_NAME = 'berth.service';

export function renderUpUnit(u: UpUnitInput): string {
  const exec = [u.node, u.cli, 'up', ...u.args].map(toSystemdArg).join(' ');
  return [
    '# Written by `berth up --install-service`; run it again to rewrite (flags are kept here).',
    '[Unit]',
    'Description=Berth: deploys and runs apps on this server (berthd, agent, Caddy)',
    `Documentation=file://${encodeURI(u.readme)}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=2',
    // berth up stops its children on SIGTERM; anything left after the timeout gets SIGKILL.
    'KillMode=mixed',
    'TimeoutStopSec=45',
    'LimitNOFILE=65536',
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=berth',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** One argument of ExecStart, quoted and escaped as systemd reads it (`%` and `$` expand there). */
export function toSystemdArg(arg: string): string {
  if (/[\0\n\r]/.test(arg))
    throw new Error(`An argument of a unit may not contain a line break: ${JSON.stringify(arg)}`);
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
