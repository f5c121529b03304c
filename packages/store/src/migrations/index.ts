import type { Kysely } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_trust.js';
import * as m0003 from './0003_builds.js';
import * as m0004 from './0004_accounts.js';
import * as m0005 from './0005_team_settings.js';
import * as m0006 from './0006_runtime_limits.js';
import * as m0007 from './0007_typed_rollout_state.js';
import * as m0008 from './0008_fleet.js';
import * as m0009 from './0009_placements.js';
import * as m0010 from './0010_registry_digest.js';
import * as m0011 from './0011_mesh.js';
import * as m0012 from './0012_rollout_stages.js';
import * as m0013 from './0013_domains.js';
import * as m0014 from './0014_certificates.js';
import * as m0015 from './0015_base_certificates.js';
import * as m0016 from './0016_volumes.js';
import * as m0017 from './0017_databases.js';
import * as m0018 from './0018_cron.js';
import * as m0019 from './0019_backups.js';
import * as m0020 from './0020_notifications.js';
import * as m0021 from './0021_backup_schedules.js';
import * as m0022 from './0022_database_links.js';
import * as m0023 from './0023_deployment_requester.js';

export interface Migration {
  name: string;
  up(db: Kysely<unknown>): Promise<void>;
}

/**
 * Every migration this Berth knows, in the order they apply (by name: keep the number first).
 * Forward-only: never edit or remove one that has shipped; add the next file and list it here.
 * Kysely's Migrator applies them (migrate.ts).
 */
export const MIGRATIONS: readonly Migration[] = [
  { name: '0001_initial', up: m0001.up },
  { name: '0002_trust', up: m0002.up },
  { name: '0003_builds', up: m0003.up },
  { name: '0004_accounts', up: m0004.up },
  { name: '0005_team_settings', up: m0005.up },
  { name: '0006_runtime_limits', up: m0006.up },
  { name: '0007_typed_rollout_state', up: m0007.up },
  { name: '0008_fleet', up: m0008.up },
  { name: '0009_placements', up: m0009.up },
  { name: '0010_registry_digest', up: m0010.up },
  { name: '0011_mesh', up: m0011.up },
  { name: '0012_rollout_stages', up: m0012.up },
  { name: '0013_domains', up: m0013.up },
  { name: '0014_certificates', up: m0014.up },
  { name: '0015_base_certificates', up: m0015.up },
  { name: '0016_volumes', up: m0016.up },
  { name: '0017_databases', up: m0017.up },
  { name: '0018_cron', up: m0018.up },
  { name: '0019_backups', up: m0019.up },
  { name: '0020_notifications', up: m0020.up },
  { name: '0021_backup_schedules', up: m0021.up },
  { name: '0022_database_links', up: m0022.up },
  { name: '0023_deployment_requester', up: m0023.up },
];
