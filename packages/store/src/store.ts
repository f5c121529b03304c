import type { Kysely } from 'kysely';
import { migrate } from './migrate.js';
import { createAppSealedRepo } from './repos/app-sealed.js';
import { createAppRepo } from './repos/apps.js';
import { createAuditRepo } from './repos/audit.js';
import { createAuditCheckpointRepo } from './repos/audit-checkpoints.js';
import { createInvitationRepo } from './repos/invitations.js';
import { createBuildRepo } from './repos/builds.js';
import { createDeploymentRepo } from './repos/deployments.js';
import { createDomainRepo } from './repos/domains.js';
import { createVolumeRepo } from './repos/volumes.js';
import { createNotificationRepo } from './repos/notifications.js';
import { createCronRepo } from './repos/cron.js';
import { createBackupKeyRepo, createBackupRepo, createBackupTargetRepo } from './repos/backups.js';
import { createBackupScheduleRepo } from './repos/backup-schedules.js';
import { createDatabaseRepo } from './repos/databases.js';
import { createBaseCertificateRepo } from './repos/base-certificates.js';
import { createCertificateRepo } from './repos/certificates.js';
import { createEventRepo } from './repos/events.js';
import { createJobRepo } from './repos/jobs.js';
import { createJoinTokenRepo } from './repos/join-tokens.js';
import { createMetaRepo } from './repos/meta.js';
import { createReleaseRepo } from './repos/releases.js';
import { createReleaseSecretRepo, createSecretRepo } from './repos/secrets.js';
import { createPlacementRepo } from './repos/placements.js';
import { createRolloutStageRepo } from './repos/rollout-stages.js';
import { createServerRepo } from './repos/servers.js';
import { createLoginFailureRepo, createOneTimeTokenRepo, createSessionRepo } from './repos/sessions.js';
import { createTeamSettingsRepo } from './repos/team-settings.js';
import { createProjectRepo, createTeamRepo } from './repos/teams.js';
import { createTenancyRepo } from './repos/tenancy.js';
import { createTokenRepo } from './repos/tokens.js';
import { createMembershipRepo, createUserRepo } from './repos/users.js';
import type { Db } from './repos/db.js';
import { guardAgainstReentrancy, insideTransaction, reportIfInsideTransaction } from './transaction-guard.js';
import type { Database } from './schema.js';
import type { AuditRow } from './types-audit.js';
import type { AuditCommitListener, CommitListener, DeploymentsListener, Repos, Store } from './types.js';
import { ChangeSet, loneWriteHooks, type RepoHooks } from './commit-changes.js';

export type { RepoHooks } from './commit-changes.js';

/** The repositories over a Kysely instance or one of its transactions. Dialect-free. */
export function createRepos(db: Db, { onAppended, onDeployment, onApp, onBuild }: RepoHooks = {}): Repos {
  return {
    meta: createMetaRepo(db),
    tenancy: createTenancyRepo(db),
    teams: createTeamRepo(db),
    teamSettings: createTeamSettingsRepo(db),
    projects: createProjectRepo(db),
    users: createUserRepo(db),
    memberships: createMembershipRepo(db),
    invitations: createInvitationRepo(db),
    sessions: createSessionRepo(db),
    oneTimeTokens: createOneTimeTokenRepo(db),
    loginFailures: createLoginFailureRepo(db),
    secrets: createSecretRepo(db, onApp),
    releaseSecrets: createReleaseSecretRepo(db),
    audit: createAuditRepo(db, onAppended),
    auditCheckpoints: createAuditCheckpointRepo(db),
    tokens: createTokenRepo(db),
    servers: createServerRepo(db),
    placements: createPlacementRepo(db),
    rolloutStages: createRolloutStageRepo(db),
    joinTokens: createJoinTokenRepo(db),
    apps: createAppRepo(db, onApp),
    releases: createReleaseRepo(db, onApp),
    deployments: createDeploymentRepo(db, onDeployment),
    events: createEventRepo(db, onDeployment),
    jobs: createJobRepo(db),
    builds: createBuildRepo(db, onBuild),
    appSealed: createAppSealedRepo(db),
    domains: createDomainRepo(db, onApp),
    volumes: createVolumeRepo(db),
    notifications: createNotificationRepo(db),
    cron: createCronRepo(db),
    backupKeys: createBackupKeyRepo(db),
    backupTargets: createBackupTargetRepo(db),
    backups: createBackupRepo(db),
    backupSchedules: createBackupScheduleRepo(db),
    databases: createDatabaseRepo(db),
    certificates: createCertificateRepo(db),
    baseCertificates: createBaseCertificateRepo(db),
  };
}

/**
 * Migrates the database and wraps it as a Store; every dialect's `open…Store` ends here. On a
 * failed migration (or a newer Berth's database) the connection is closed before rethrowing.
 */
export async function createStore(db: Kysely<Database>): Promise<Store> {
  try {
    // Migrations are typed against no schema: the schema is what they create.
    await migrate(db as unknown as Kysely<unknown>);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const listeners: AuditCommitListener[] = [];
  const deploymentListeners: DeploymentsListener[] = [];
  const commitListeners: CommitListener[] = [];
  /** Tells the listeners of one commit's writes: the synchronous ones first, then the audit ones. */
  const publish = async (changes: ChangeSet): Promise<void> => {
    if (changes.deployments.size > 0)
      for (const listener of deploymentListeners) listener(changes.deployments);
    if (!changes.empty) for (const listener of commitListeners) listener(changes);
    const newest = changes.appended.reduce<AuditRow | null>((a, r) => (a && a.seq > r.seq ? a : r), null);
    if (newest) for (const listener of listeners) await listener(newest);
  };
  return {
    // A lone write outside a transaction commits in its own, before its hook runs.
    ...guardAgainstReentrancy(createRepos(db, loneWriteHooks(publish))),
    async transaction(fn) {
      reportIfInsideTransaction('store.transaction()');
      const changes = new ChangeSet();
      const hooks: RepoHooks = changes.hooks();
      const result = await db
        .transaction()
        .execute((trx) => insideTransaction(() => fn(createRepos(trx, hooks))));
      await publish(changes);
      return result;
    },
    close: () => db.destroy(),
    onAuditCommitted(listener) {
      listeners.push(listener);
    },
    onDeploymentsCommitted(listener) {
      deploymentListeners.push(listener);
    },
    onCommitted(listener) {
      commitListeners.push(listener);
    },
  };
}
