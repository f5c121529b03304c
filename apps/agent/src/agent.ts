import { join } from 'node:path';
import { createDockerApiEngine, createEngineApiClient, type ContainerEngine } from '@berth/engine';
import { createBerthdFetch } from '@berth/client';
import { agentSecretAad, type AgentToServer, type ReleaseSpec } from '@berth/protocol';
import { sweepOneOffs } from './one-off.js';
import { sweepBackupScratch } from './backup-scratch.js';
import type { Logger } from 'pino';
import { createMemoryFile } from './cache.js';
import { createAgentEdge, proxyVersionsOf } from './edge.js';
import { watchProxyDrift, type DriftWatch } from './proxy-drift.js';
import { createEdgeTlsOpener } from './edge-tls.js';
import { listenHostOf, type AgentConfig } from './config.js';
import { AppFirewall } from './firewall.js';
import { InternalNames } from './internal-names.js';
import { TeamNetworks } from './networks.js';
import { SecretFiles } from './secret-files.js';
import { loadOrCreateIdentity } from '@berth/crypto';
import { createBuilds } from './builder/wiring.js';
import { DatabaseImages } from './database-images.js';
import { Link } from './link.js';
import { MeshInterface, meshKeyDir } from './mesh.js';
import { RegistryImages } from './registry-images.js';
import { Reconciler } from './reconciler.js';
import { ContainerWatch } from './logs/container-watch.js';
import { LogHub } from './logs/log-hub.js';
import { RpcHandler, type SendToServer } from './rpc.js';

export const AGENT_VERSION = '0.1.0';

/** Events raised while berthd is unreachable are kept (up to a bound) and sent on reconnect. */
const MAX_BUFFERED_EVENTS = 1000;
/** Reads of past log lines in flight at once; like the engine adapter's inspect concurrency. */
const LOG_HISTORY_READS = 8;
/** How far (bytes of lines) a log follower may lag before it is dropped: ~10,000 typical lines. */
const LOG_FOLLOWER_QUEUE_BYTES = 1024 * 1024;
/** How often followed apps are checked for replicas that started since. */
const LOG_WATCH_INTERVAL_MS = 1000;

export interface RunningAgent {
  id: string;
  stop(): Promise<void>;
}

/** Wires the agent: identity, engine, proxy, reconciler, and the link to berthd. */
export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  const identity = await loadOrCreateIdentity(config.dataDir);
  const engine = createDockerApiEngine({ socketPath: config.engineSocket });
  // The edge: Caddy with one config for its whole run, and the edge service (its own process)
  // answering it from the tables this agent writes; or nginx, a config version per change.
  const edge = createAgentEdge(config);
  const { proxy } = edge;
  const buffered: AgentToServer[] = [];
  let link: Link | null = null;
  const send: SendToServer = (m, written) => {
    if (link?.send(m, written)) return;
    written?.();
    if ((m.type === 'event' || m.type === 'proxy.drift') && buffered.length < MAX_BUFFERED_EVENTS)
      buffered.push(m);
  };
  const internalNames = new InternalNames({
    httpListen: config.httpListen,
    isRoot: process.getuid?.() === 0,
    log,
    clock: Date.now,
  });
  const firewall = new AppFirewall({
    // One table per installation: several Berths (tests) share a host, each with its own agent id.
    tableName: `berth_apps_${identity.id}`,
    engine,
    log,
    clock: Date.now,
    internalEdge: internalNames.edge,
  });
  await firewall.start();
  const secretFiles = new SecretFiles(join(config.dataDir, 'secrets'), log, process.getuid?.() === 0);
  const engineApi = createEngineApiClient({ socketPath: config.engineSocket });
  const { builds, bootstrap, builder } = await createBuilds({
    config,
    identity,
    engine,
    engineApi,
    serverHttpBase: httpBaseOf(config.serverUrl),
    serverFetch: createBerthdFetch({
      url: httpBaseOf(config.serverUrl),
      fingerprint: config.serverFingerprint,
    }),
    log,
  });
  const databaseImages = new DatabaseImages({ engine, engineApi, builder });
  const images = new RegistryImages(
    engine,
    (sealed, aad) => identity.openSecret(sealed, aad),
    databaseImages,
  );
  const mesh = config.mesh
    ? await MeshInterface.create(
        {
          ...config.mesh,
          keyDir: meshKeyDir(config.dataDir),
          runDir: join(config.dataDir, 'run'),
          toolPath: config.toolPath,
        },
        log,
        Date.now,
        // Called only once the interface exists, so after the reconciler is made.
        () => reconciler.wake(),
      )
    : null;
  const networks = new TeamNetworks({ engine, agentId: identity.id, log, clock: Date.now });
  const openReleaseSecrets = (release: ReleaseSpec): Record<string, string> =>
    Object.fromEntries(
      Object.entries(release.secrets).map(([key, sealed]) => [
        key,
        identity.openSecret(sealed, agentSecretAad(release.id, key)),
      ]),
    );
  const left = await sweepOneOffs(engine, identity.id);
  if (left > 0) log.info({ left }, 'removed one-off containers an earlier agent left running');
  const scratch = await sweepBackupScratch(engine, identity.id);
  if (scratch.containers + scratch.volumes > 0)
    log.info(
      scratch,
      'removed the scratch containers and volumes of backups an earlier agent was cut off in',
    );
  const reconciler = new Reconciler({
    engine,
    images,
    networks,
    firewall,
    internalNames,
    secretFiles,
    proxy,
    memoryFile: createMemoryFile(join(config.dataDir, 'state.json')),
    agentId: identity.id,
    publishHost: config.publishHost,
    publicHost: listenHostOf(config.httpListen),
    mesh,
    log,
    emit: (event) => send({ type: 'event', event }),
    openSecrets: openReleaseSecrets,
    openEdgeTls: createEdgeTlsOpener((sealed, aad) => identity.openSecret(sealed, aad), log),
    report: (report) => send({ type: 'report', report }),
  });
  const logs = {
    engine,
    agentId: identity.id,
    hub: new LogHub(engine, {
      maxLiveStreams: config.maxLogStreams,
      maxHistoryReads: LOG_HISTORY_READS,
      maxQueuedBytes: LOG_FOLLOWER_QUEUE_BYTES,
    }),
    watch: new ContainerWatch(engine, LOG_WATCH_INTERVAL_MS),
    probeWindows: (containerId: string) => reconciler.probeWindows(containerId),
  };
  const rpc = new RpcHandler(
    engine,
    send,
    builds,
    bootstrap,
    logs,
    { engine, agentId: identity.id },
    images,
    proxyVersionsOf(edge),
    { engine, agentId: identity.id, openSealed: (sealed, aad) => identity.openSecret(sealed, aad) },
    {
      engine,
      agentId: identity.id,
      secretFiles,
      openSecrets: openReleaseSecrets,
      networkFor: (teamId) => networks.nameFor(teamId),
      dnsFor: (teamId) => internalNames.dnsFor(teamId, networks.list()),
      publishHost: config.publishHost,
    },
    databaseImages,
  );
  link = new Link(
    { url: config.serverUrl, fingerprint: config.serverFingerprint },
    identity,
    config.name,
    AGENT_VERSION,
    {
      onConnected: () => {
        rpc.detachAll();
        for (const m of buffered.splice(0)) link?.send(m);
        reconciler.forceReport();
      },
      onDesired: (state, fresh) => {
        reconciler
          .setDesired(state, fresh)
          .catch((err: unknown) => log.error({ err }, 'could not store desired state'));
      },
      onRpc: (id, request) => rpc.handle(id, request),
      onRpcCancel: (id) => rpc.cancel(id),
      onRpcInput: (id, input) => rpc.input(id, input),
    },
    log,
    async () => ({
      capacity: await capacityOf(engine, log),
      privateIp: config.privateIp,
      mesh: mesh?.hello(config.privateIp) ?? null,
    }),
  );
  await reconciler.start();
  const nginx = edge.nginx;
  const drift: DriftWatch | null = nginx
    ? watchProxyDrift({
        checkDrift: () => nginx.checkDrift(),
        // Kept while berthd is away, like events, so the audit log learns of it on reconnect.
        report: (found) => send({ type: 'proxy.drift', drift: found }),
        log,
      })
    : null;
  link.start();
  log.info({ agentId: identity.id }, 'agent started');
  return {
    id: identity.id,
    async stop() {
      link?.stop();
      await drift?.stop();
      await reconciler.stop();
      await secretFiles.close();
    },
  };
}

/** The engine's view of the host, or null (unknown) when it does not answer: the link goes on. */
async function capacityOf(
  engine: ContainerEngine,
  log: Logger,
): Promise<{ cpuMillis: number; memoryMib: number } | null> {
  try {
    return await engine.capacity();
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot read the host capacity');
    return null;
  }
}

/** berthd's HTTP base from the agent link's URL: ws://h:p/api/v1/agent/connect → http://h:p. */
export function httpBaseOf(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return u.origin;
}
