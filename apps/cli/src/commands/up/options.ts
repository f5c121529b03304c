/** Flags `berth up` and `berth agent run`/`join` share, said once. */
import { DEFAULT_BUILDER_DIR } from '@berth/engine';
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
