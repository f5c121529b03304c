import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openSqliteStore, type Store } from '@berth/store';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { createAgentGateway } from './agents/gateway.js';
import { createAuditAnchors } from './audit/anchor.js';
import { bootstrap } from './bootstrap.js';
import { startFirstOwnerSetup } from './identity/first-owner.js';
import { DeploymentFeed } from './deploy/deployment-feed.js';
import { EventBus } from './events/bus.js';
import { KeyedFeed } from './events/keyed-feed.js';
import { startStoreNotices } from './events/store-notices.js';
import type { ServerConfig } from './config.js';
import { createArchiveStore, removeOrphanArchives } from './builds/archives.js';
import { createBuildRunner } from './builds/runner.js';
import { createDeployJob } from './deploy/deploy-job.js';
import { createDeployService } from './deploy/service.js';
import { createHttpApp } from './http/app.js';
import { createId } from './ids.js';
import { startWorker } from './jobs/worker.js';
import { CronScheduler } from './cron/scheduler.js';
import { startDownWatch } from './fleet/down-watch.js';
import { listenApi, prepareApiTls } from './tls/api-listen.js';
import { openExternalRegistry } from './registry/external-registry.js';
import { startFleetRegistry, type FleetRegistry } from './registry/fleet-registry.js';
import { openKeys } from './secrets/keys.js';
import { watchStalls } from './stall-watch.js';
import { createDatabasesService } from './databases/service.js';
import { createDatabaseRestore } from './databases/restore.js';
import { createVolumesService } from './volumes/service.js';
import { createNotifyService } from './notify/service.js';
import { createNotifyJob } from './notify/delivery-job.js';
import { NOTIFY_JOB, startNotificationOutbox } from './notify/outbox.js';
import { BACKUP_JOB, createBackupsService } from './backups/service.js';
import { runBackupJob } from './backups/job.js';
import { BackupScheduler } from './backups/scheduler.js';
import { createBackupSchedules } from './backups/schedules.js';
import { createBackupTargets } from './backups/targets.js';
import { createSystemBackups } from './system-backup/service.js';
import { createDomainsService } from './domains/service.js';
import { createChallengeBoard } from './certificates/challenge-board.js';
import { checkDomain } from './domains/check.js';
import { createAcmeClient } from './certificates/acme-client.js';
import { createAcmeOrders, ORDER_JOB } from './certificates/acme-orders.js';
import { BASE_ORDER_JOB, createBaseCertificate } from './certificates/base-certificate.js';
import { createCertificatesService } from './certificates/service.js';
import { createSecretsService } from './secrets/service.js';

/** How long an ACME order waits for every edge to serve its HTTP-01 answer before asking the CA. */
const EDGES_CATCH_UP_MS = 10_000;
export interface Berthd {
  app: FastifyInstance;
  store: Store;
  /** Where it listens, once listening (https:// beyond loopback). */
  url: string;
  /** The internal CA's fingerprint clients pin, when it serves HTTPS with it. */
  caFingerprint: string | null;
  close(): Promise<void>;
}

export interface BerthdOptions {
  logger?: Logger;
  /** false: wire everything but do not listen (in-process tests use app.inject). */
  listen?: boolean;
  /** false: no job worker, so nothing changes rows behind a test's back. */
  worker?: boolean;
  clock?: () => number;
}

/** Wires berthd: store, master keys, agent gateway, services, job worker and the HTTP API. */
export async function startBerthd(config: ServerConfig, options: BerthdOptions = {}): Promise<Berthd> {
  const clock = options.clock ?? Date.now;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openSqliteStore({ file: join(config.dataDir, 'berth.db') });
  // The master key is checked against the database before anything else can touch a secret.
  const keys = await openKeys(store, config.dataDir, config.masterKey).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const log = options.logger ?? pino({ level: 'silent' });
  const stopStallWatch = watchStalls(log);
  // Before the first append of this run, so every row is anchored as it commits.
  const anchors = createAuditAnchors({ store, keys, dataDir: config.dataDir, clock, log });
  await anchors.start().catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const defaults = await bootstrap(store, config.dataDir, clock());
  const firstOwner = await startFirstOwnerSetup({
    ...{ store, dataDir: config.dataDir, defaultTeamId: defaults.teamId, clock, log },
  });

  const registry = await openRegistry(config, store, log).catch(async (err: unknown) => {
    await anchors.settled();
    await store.close();
    throw err;
  });
  let wakeWorker = (): void => undefined;
  // Every commit and every change of reported replicas, as notices per team (the dashboard's stream).
  const events = new EventBus();
  const notices = startStoreNotices({ store, bus: events, log });
  const buildFeed = new KeyedFeed();
  store.onCommitted((changes) => buildFeed.wake([...changes.builds, ...changes.buildLogs]));
  const board = createChallengeBoard();
  const agents = createAgentGateway({
    ...{ store, clock, log, settings: config, keys, registry },
    challenges: () => board.current(),
    onReplicasChanged: (appIds) => notices.replicasChanged(appIds),
  });
  const onChange = (): void => {
    void agents.pushDesired();
    wakeWorker();
  };
  const service = createDeployService({
    ...{ store, clock, keys, onChange, fleet: agents },
    fleetRegistry: registry?.address ?? null,
  });
  const secrets = createSecretsService({ store, clock, keys, onChange, fleet: agents });
  /** Pushes the desired state (the challenge board with it) and waits until every edge holds it. */
  const publishToEdges = async (): Promise<void> => {
    // A new version, so every agent takes the push and reports once its edge has it.
    await store.transaction((tx) => tx.servers.bumpDesiredVersions());
    await agents.pushDesired();
    if (!(await agents.edgesCaughtUp(EDGES_CATCH_UP_MS)))
      log.warn('not every edge confirmed the HTTP-01 answers in time; going on');
  };
  const domains = createDomainsService({
    ...{ store, clock, onChange, baseDomain: config.domain },
    acme: config.acme !== null,
    wildcards: config.acme?.dnsProviderFile != null,
    check: (domain) =>
      checkDomain(domain, { board, publishToEdges, httpPort: config.httpPort, resolver: config.dnsResolver }),
  });
  const certificates = createCertificatesService({ store, clock, keys, onChange });
  const volumes = createVolumesService({ store, clock, onChange, agents });
  const databases = createDatabasesService({ store, clock, keys, onChange, fleet: agents, agents, volumes });
  const notify = createNotifyService({ store, clock, keys });
  const cron = new CronScheduler({
    store,
    clock,
    log,
    newRunId: () => createId('run'),
    runOneOff: (...args) => agents.runOneOff(...args),
  });
  const backupTargets = createBackupTargets({ store, keys, clock });
  const backups = createBackupsService({
    ...{ store, keys, clock, targets: backupTargets, agents, log },
    onQueued: () => wakeWorker(),
  });
  const backupScheduler = new BackupScheduler({
    ...{ store, clock, log },
    enqueue: (schedule) => backups.enqueueScheduled(schedule),
  });
  const backupSchedules = createBackupSchedules({
    ...{ store, clock, targets: backupTargets },
    onChange: () => backupScheduler.wake(),
  });
  const databaseRestore = createDatabaseRestore({ store, fleet: agents, backups, databases, volumes });
  // Nothing runs a backup before this start: one still `running` was cut off and never counts.
  await backups.failInterrupted();
  const systemBackups = createSystemBackups({ store, keys, dataDir: config.dataDir, clock });
  const archives = createArchiveStore(config.dataDir);
  await removeOrphanArchives(store, archives);
  const builds = createBuildRunner({
    store,
    clock,
    agents,
    keys,
    archives,
    buildTimeoutMs: config.buildTimeoutMs,
    localSources: { allowedDirs: config.allowLocalSources, defaultTeamId: defaults.teamId },
  });
  const tls =
    options.listen === false
      ? null
      : await prepareApiTls(config, clock, log).catch(async (err: unknown) => {
          await registry?.close();
          await store.close();
          throw err;
        });
  const app = await createHttpApp(
    {
      ...{
        store,
        service,
        secrets,
        domains,
        volumes,
        databases,
        databaseRestore,
        notify,
        cron,
        backupTargets,
        backups,
        systemBackups,
        backupSchedules,
        certificates,
        keys,
        agents,
        archives,
        builds,
        config,
        clock,
        defaults,
        anchors,
        firstOwner,
        deploymentFeed: new DeploymentFeed(store),
        buildFeed,
        events,
      },
      caFingerprint: tls?.serving.caFingerprint ?? null,
    },
    log,
    { tls: config.tls.kind !== 'off', ...(tls && { serverFactory: tls.serverFactory }) },
  );
  const acme =
    config.acme === null
      ? null
      : createAcmeClient({ ...{ store, clock, keys, log, board, settings: config.acme, publishToEdges } });
  const acmeOrders = acme && createAcmeOrders({ store, clock, keys, log, acme, publishToEdges });
  const baseCertificate =
    acme && createBaseCertificate({ store, clock, keys, log, acme, domain: config.domain, publishToEdges });
  const deployJob = createDeployJob({ store, clock, agents, builds, ...config });
  const notifyJob = createNotifyJob({ store, keys, clock });
  const worker =
    options.worker === false
      ? null
      : startWorker({
          store,
          clock,
          log,
          owner: createId('job').replace('job_', 'berthd_'),
          handlers: {
            deploy: deployJob.run,
            [NOTIFY_JOB]: (payload: unknown) => notifyJob.run(payload),
            [BACKUP_JOB]: (payload: unknown) => runBackupJob(backups, payload),
            ...(acmeOrders && { [ORDER_JOB]: (payload: unknown) => acmeOrders.run(payload) }),
            ...(baseCertificate && { [BASE_ORDER_JOB]: (payload: unknown) => baseCertificate.run(payload) }),
          },
          // The job's own way of ending a failed deployment, putting back what it replaced.
          onGaveUp: (job, error) =>
            job.kind === 'deploy'
              ? deployJob.giveUp(job.payload, error)
              : job.kind === NOTIFY_JOB
                ? notifyJob.giveUp(job.payload, error)
                : Promise.resolve(),
        });
  wakeWorker = () => worker?.wake();
  // With the worker: audit rows that are events become deliveries (a bare API test sends nothing).
  const outbox = worker
    ? startNotificationOutbox({ store, clock, log, onQueued: () => worker.wake() })
    : null;
  if (outbox) store.onAuditCommitted(() => Promise.resolve(outbox.wake()));
  // Like the worker: a test's bare API runs no jobs behind its back.
  if (worker) await cron.start();
  if (worker) backupScheduler.start();
  if (worker && baseCertificate) {
    await baseCertificate.ensure();
    worker.wake();
  }
  // With the worker (a real berthd, not a test's bare API): a down server's replicas move.
  const downWatch = worker ? startDownWatch({ store, fleet: agents, clock, log, onMoved: onChange }) : null;

  const listening =
    options.listen === false
      ? { url: '', caFingerprint: null, close: () => undefined }
      : await listenApi(app, config, tls).catch(async (err: unknown) => {
          await app.close();
          await downWatch?.stop();
          await outbox?.stop();
          await worker?.stop();
          await registry?.close();
          await store.close();
          throw err;
        });
  return {
    app,
    store,
    url: listening.url,
    caFingerprint: listening.caFingerprint,
    async close() {
      stopStallWatch();
      await cron.stop();
      await backupScheduler.stop();
      agents.close();
      listening.close();
      await downWatch?.stop();
      await outbox?.stop();
      await worker?.stop();
      await app.close();
      await notices.stop();
      await registry?.close();
      await anchors.settled();
      await store.close();
    },
  };
}

/** The fleet's registry: the one berthd runs, an external one, or none. */
function openRegistry(config: ServerConfig, store: Store, log: Logger): Promise<FleetRegistry | null> {
  if (config.externalRegistry) return openExternalRegistry(config.externalRegistry);
  if (config.registryListen === null) return Promise.resolve(null);
  return startFleetRegistry({ dataDir: config.dataDir, listen: config.registryListen, store, log });
}
