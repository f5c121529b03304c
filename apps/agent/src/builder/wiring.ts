import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bootstrapBaseImages,
  checkBuilderDir,
  checkBuilderHost,
  planPodmanHostConfig,
  readPodmanHostFacts,
  sandboxUnavailable,
  SandboxedBuilder,
  type ContainerEngine,
  type EngineHttpClient,
} from '@berth/engine';
import { BerthError } from '@berth/protocol';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config.js';
import type { AgentIdentity } from '@berth/crypto';
import type { BaseImageBootstrapper } from '../rpc.js';
import { BuildFirewall } from './build-firewall.js';
import { BuildExecutor } from './executor.js';

/** The agent's build side: the sandbox (or why it cannot run), the executor, the bootstrap. */
export async function createBuilds(o: {
  config: AgentConfig;
  identity: AgentIdentity;
  engine: ContainerEngine;
  engineApi: EngineHttpClient;
  serverHttpBase: string;
  serverFetch: (url: string, init: RequestInit) => Promise<Response>;
  log: Logger;
}): Promise<{
  builds: BuildExecutor;
  bootstrap: BaseImageBootstrapper;
  /** The sandbox (database images are exported from its base store), or why it cannot run. */
  builder: SandboxedBuilder | BerthError;
}> {
  const { config, identity, log } = o;
  const builder = await createBuilder(config, log);
  const builds = new BuildExecutor({
    engine: o.engineApi,
    builder,
    ...(!(builder instanceof BerthError) && {
      firewall: new BuildFirewall({
        tableName: `berth_build_${identity.id}`,
        identity: builder.identity,
        engine: o.engine,
        log,
      }),
    }),
    baseImages: config.baseImages,
    workDir: join(config.dataDir, 'builds'),
    serverHttpBase: o.serverHttpBase,
    serverFetch: o.serverFetch,
    openSealed: (sealed, aad) => identity.openSecret(sealed, aad),
  });
  // Base images live in the build sandbox's base store: only builds use them.
  const bootstrap: BaseImageBootstrapper = async (request, onLine, signal) => {
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
  };
  return { builds, bootstrap, builder };
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
