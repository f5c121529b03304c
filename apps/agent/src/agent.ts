import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import {
  bootstrapBaseImages,
  checkBuilderDir,
  checkBuilderHost,
  createCaddyProxy,
  createDockerApiEngine,
  createEngineApiClient,
  createUpstreamTableFile,
  planPodmanHostConfig,
  readPodmanHostFacts,
  sandboxUnavailable,
  SandboxedBuilder,
} from '@berth/engine';
import { BerthError } from '@berth/protocol';
import { agentSecretAad, type AgentToServer } from '@berth/protocol';
import type { Logger } from 'pino';
import { createMemoryFile } from './cache.js';
import type { AgentConfig } from './config.js';
import { AppFirewall } from './firewall.js';
import { TeamNetworks } from './networks.js';
import { SecretFiles } from './secret-files.js';
import { loadOrCreateIdentity } from './identity.js';
import { BuildExecutor } from './build/executor.js';
import { BuildFirewall } from './build/build-firewall.js';
import { Link } from './link.js';
import { Reconciler } from './reconciler.js';
import { RpcHandler } from './rpc.js';

export const AGENT_VERSION = '0.1.0';

/** Events raised while berthd is unreachable are kept (up to a bound) and sent on reconnect. */
const MAX_BUFFERED_EVENTS = 1000;

export interface RunningAgent {
  id: string;
  stop(): Promise<void>;
}

/** Wires the agent: identity, engine, proxy, reconciler, and the link to berthd. */
export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  const identity = await loadOrCreateIdentity(config.dataDir);
  const engine = createDockerApiEngine({ socketPath: config.engineSocket });
  const proxy = createCaddyProxy({
    adminSocket: config.caddyAdminSocket,
    settings: {
      httpListen: config.httpListen,
      dnsSocket: config.dnsSocket,
      upstreamRefreshMs: config.upstreamRefreshMs,
    },
  });
  const buffered: AgentToServer[] = [];
  let link: Link | null = null;
  const send = (m: AgentToServer): void => {
    if (link?.send(m)) return;
    if (m.type === 'event' && buffered.length < MAX_BUFFERED_EVENTS) buffered.push(m);
  };
  const firewall = new AppFirewall({
    // One table per installation: several Berths (tests) share a host, each with its own agent id.
    tableName: `berth_apps_${identity.id}`,
    engine,
    log,
    clock: Date.now,
  });
  await firewall.start();
  const secretFiles = new SecretFiles(join(config.dataDir, 'secrets'), log, process.getuid?.() === 0);
  const reconciler = new Reconciler({
    engine,
    networks: new TeamNetworks({ engine, agentId: identity.id, log, clock: Date.now }),
    firewall,
    secretFiles,
    proxy,
    tableStore: createUpstreamTableFile(join(config.dataDir, 'upstreams.json')),
    memoryFile: createMemoryFile(join(config.dataDir, 'state.json')),
    agentId: identity.id,
    publishHost: config.publishHost,
    upstreamRefreshMs: config.upstreamRefreshMs,
    log,
    emit: (event) => send({ type: 'event', event }),
    openSecrets: (release) =>
      Object.fromEntries(
        Object.entries(release.secrets).map(([key, sealed]) => [
          key,
          identity.openSecret(sealed, agentSecretAad(release.id, key)),
        ]),
      ),
    report: (report) => send({ type: 'report', report }),
  });
  const engineApi = createEngineApiClient({ socketPath: config.engineSocket });
  const builder = await createBuilder(config, log);
  const builds = new BuildExecutor({
    engine: engineApi,
    builder,
    ...(!(builder instanceof BerthError) && {
      firewall: new BuildFirewall({
        tableName: `berth_build_${identity.id}`,
        identity: builder.identity,
        engine,
        log,
      }),
    }),
    baseImages: config.baseImages,
    workDir: join(config.dataDir, 'builds'),
    serverHttpBase: httpBaseOf(config.serverUrl),
    openSealed: (sealed, aad) => identity.openSecret(sealed, aad),
  });
  // Base images live in the build sandbox's base store: only builds use them.
  const rpc = new RpcHandler(engine, identity.id, send, builds, async (request, onLine, signal) => {
    if (builder instanceof BerthError) throw builder;
    return builder.base(signal, ({ http }) =>
      bootstrapBaseImages({
        http,
        ...(request.only && { only: request.only }),
        ...(request.force && { force: true }),
        workDir: join(config.dataDir, 'bootstrap'),
        images: config.baseImages,
        signal,
        onLine,
      }),
    );
  });
  link = new Link(
    config.serverUrl,
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
    },
    log,
  );
  await reconciler.start();
  link.start();
  log.info({ agentId: identity.id }, 'agent started');
  return {
    id: identity.id,
    async stop() {
      link?.stop();
      await reconciler.stop();
      await secretFiles.close();
    },
  };
}

/**
 * The build sandbox, or the reason it cannot run here: then builds fail with that reason (they
 * never fall back to the engine that runs apps), and everything else works.
 */
async function createBuilder(config: AgentConfig, log: Logger): Promise<SandboxedBuilder | BerthError> {
  const check = await checkBuilderHost(config.buildUser, config.toolPath);
  const dirProblems = await checkBuilderDir(config.builderDir);
  if (!check.ok || dirProblems.length > 0) {
    const problems = [...(check.ok ? [] : check.problems), ...dirProblems];
    log.warn({ problems }, 'builds are off: the build sandbox cannot run on this host');
    return sandboxUnavailable(problems);
  }
  if (!check.host.tun) log.warn('/dev/net/tun is not open to the build user: build steps get no network');
  await mkdir(config.builderDir, { recursive: true, mode: 0o711 });
  const builder = new SandboxedBuilder({
    host: check.host,
    dir: config.builderDir,
    podmanPlan: planPodmanHostConfig(await readPodmanHostFacts()),
    log: (line) => log.debug({ svc: 'builder' }, line),
  });
  await builder.sweep();
  return builder;
}

/** berthd's HTTP base from the agent link's URL: ws://h:p/api/v1/agent/connect → http://h:p. */
export function httpBaseOf(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return u.origin;
}
