/** Flags `berth up` and `berth agent run`/`join` share, said once. */
import { DEFAULT_BUILDER_DIR, HSTS_MAX_AGE_LIMIT } from '@berth/engine';
import { PROXY_KINDS, type ProxyKind } from '@berth/protocol';
import { InvalidArgumentError } from 'commander';
import { parseIntArg } from '../../cli/parse.js';
import type { ServiceKind } from './service-unit.js';

export const BUILDER_DIR_OPTION = [
  '--builder-dir <dir>',
  'where the build sandbox keeps base images and each team’s build storage (outside the data dir)',
  DEFAULT_BUILDER_DIR,
] as const;

export const LOG_LEVEL_OPTION = ['--log-level <level>', 'info, debug, warn, error', 'info'] as const;

export const serviceDirOption = (kind: ServiceKind): [string, string, string] => [
  '--service-dir <dir>',
  `where --install-service writes ${kind.unitName}`,
  '/etc/systemd/system',
];

/** `--proxy caddy|nginx`: the edge that serves apps on this server. */
export function parseProxyArg(value: string): ProxyKind {
  const kind = PROXY_KINDS.find((k) => k === value);
  if (kind === undefined) throw new InvalidArgumentError(`expected ${PROXY_KINDS.join(' or ')}`);
  return kind;
}

/** `--hsts-max-age`: a property of the edge for its whole run (see @berth/engine's hsts.ts). */
export const HSTS_MAX_AGE_OPTION = [
  '--hsts-max-age <seconds>',
  `with --https-port: every HTTPS response tells browsers to use only HTTPS for this host for that long (Strict-Transport-Security, 0-${HSTS_MAX_AGE_LIMIT}; 0 withdraws it); none by default`,
  parseIntArg(0, HSTS_MAX_AGE_LIMIT),
] as const;

export const PROXY_OPTION = [
  '--proxy <kind>',
  'the edge that serves apps: caddy, or nginx (config versions with berth proxy history/rollback)',
  parseProxyArg,
  'caddy',
] as const;
