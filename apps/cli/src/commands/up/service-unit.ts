/**
 * The systemd units that run Berth as a service (`berth up --install-service`, `berth agent run
 * --install-service`): started at boot, restarted when they die, stopped with SIGTERM to the
 * command (which stops its children), their output (every child's, prefixed) in the journal.
 * Pure: the command line in, text out.
 */

export interface UnitInput {
  /** Absolute path of node. */
  node: string;
  /** Absolute path of the CLI's main.js. */
  cli: string;
  /** Arguments after the command, e.g. ['--data-dir', '/var/lib/berth']. */
  args: string[];
  /** README of the install, for `Documentation=`. */
  readme: string;
}

/** What differs between Berth's services: which command runs, and how it is named. */
export interface ServiceKind {
  unitName: string;
  /** The CLI's command words, e.g. ['up'] or ['agent', 'run']. */
  command: readonly string[];
  description: string;
  syslogIdentifier: string;
}

export const UP_SERVICE: ServiceKind = {
  unitName: 'berth.service',
  command: ['up'],
  description: 'Berth: deploys and runs apps on this server (berthd, agent, Caddy)',
  syslogIdentifier: 'berth',
};

export const AGENT_SERVICE: ServiceKind = {
  unitName: 'berth-agent.service',
  command: ['agent', 'run'],
  description: "Berth agent: runs this server's share of a fleet (agent, Caddy)",
  syslogIdentifier: 'berth-agent',
};

export function renderUpUnit(u: UnitInput): string {
  return renderServiceUnit(UP_SERVICE, u);
}

export function renderServiceUnit(kind: ServiceKind, u: UnitInput): string {
  const exec = [u.node, u.cli, ...kind.command, ...u.args].map(toSystemdArg).join(' ');
  return [
    `# Written by \`berth ${kind.command.join(' ')} --install-service\`; run it again to rewrite (flags are kept here).`,
    '[Unit]',
    `Description=${kind.description}`,
    `Documentation=file://${encodeURI(u.readme)}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=2',
    // The command stops its children on SIGTERM; anything left after the timeout gets SIGKILL.
    'KillMode=mixed',
    'TimeoutStopSec=45',
    'LimitNOFILE=65536',
    'StandardOutput=journal',
    'StandardError=journal',
    `SyslogIdentifier=${kind.syslogIdentifier}`,
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
