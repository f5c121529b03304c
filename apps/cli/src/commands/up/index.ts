import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DOMAIN_PATTERN, type ProxyKind } from '@berth/protocol';
import { InvalidArgumentError, type Command } from 'commander';
import { action } from '../../cli/command.js';
import { resolveDataDir } from '../../cli/connection.js';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import { parseIntArg } from '../../cli/parse.js';
import { agentChild, berthdChild, localAgentSettings, type UpSettings } from './children.js';
import { chooseEngine } from './engine.js';
import { installService } from './install-service.js';
import {
  BUILDER_DIR_OPTION,
  HSTS_MAX_AGE_OPTION,
  LOG_LEVEL_OPTION,
  PROXY_OPTION,
  serviceDirOption,
} from './options.js';
import { UP_SERVICE } from './service-unit.js';
import { assertPortFree, prepareBuilds, startEngineAndEdge, stopOnSignal, takeLock } from './lifecycle.js';
import { waitForBerthd, waitForLocalAgent } from './readiness.js';
import { toUpPaths, type UpPaths } from './paths.js';
import { printBanner } from './banner.js';
import { checkAcmeFlags } from './acme.js';
import { checkHstsFlag } from './hsts.js';
import { checkMeshSubnet, MESH_SUBNET_OPTION } from './mesh.js';
import {
  chooseExternalRegistry,
  chooseRegistryListen,
  EXTERNAL_REGISTRY_OPTIONS,
  REGISTRY_LISTEN_OPTION,
} from './registry.js';
import { parseRemoteFlags, remoteBannerLines, type RemoteFlags, type RemoteSettings } from './remote.js';
import { Supervisor } from './supervisor.js';
import type { CliEnvironment } from '../../cli/environment.js';

interface UpOptions extends RemoteFlags {
  dataDir?: string;
  apiPort: number;
  httpPort?: number;
  httpsPort?: number;
  hstsMaxAge?: number;
  httpHost?: string;
  domain: string;
  engineSocket?: string;
  builderDir: string;
  logLevel: string;
  allowLocalSources: string[];
  installService?: boolean;
  serviceDir: string;
  /** false with --no-agent: only the control plane runs here. */
  agent: boolean;
  registryListen?: string;
  registry?: string;
  registryUsername?: string;
  registryPasswordFile?: string;
  meshSubnet?: string;
  /** false with --no-mesh. */
  mesh: boolean;
  acmeEmail?: string;
  acmeDirectory?: string;
  acmeCaCert?: string;
  dnsProvider?: string;
  proxy: ProxyKind;
}

export function registerUp(program: Command, environment: CliEnvironment): void {
  program
    .command('up')
    .description(
      "run Berth on this machine: berthd, the local agent, Caddy (and Podman's API service when needed), in the foreground",
    )
    .option(
      '--data-dir <dir>',
      'where Berth keeps its state (default /var/lib/berth as root, else ~/.local/share/berth)',
    )
    .option('--api-port <n>', 'API port', parseIntArg(0, 65535), 7070)
    .option(
      '--api-host <addr>',
      'address the API listens on: 127.0.0.1 (plain HTTP, this machine only), or e.g. 0.0.0.0 (HTTPS; 127.0.0.1 keeps plain HTTP)',
      '127.0.0.1',
    )
    .option(
      '--public-url <url>',
      'how other machines and webhooks reach the API, e.g. https://berth.example.com',
    )
    .option(
      '--tls-cert <file>',
      "the API's certificate (PEM chain) instead of one from Berth's own CA; with --tls-key",
    )
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option(
      '--http-port <n>',
      'port apps are served on (default 80 as root, else 8080)',
      parseIntArg(1, 65535),
    )
    .option(
      '--https-port <n>',
      'serve apps over HTTPS on this port too: custom domains get certificates (HTTP redirects there); none by default',
      parseIntArg(1, 65535),
    )
    .option(...HSTS_MAX_AGE_OPTION)
    .option(
      '--acme-email <email>',
      "order every custom domain's certificate from an ACME CA (Let's Encrypt unless --acme-directory), with this contact",
    )
    .option(
      '--acme-directory <url>',
      "the ACME CA's directory URL (e.g. Let's Encrypt staging, ZeroSSL, Pebble)",
    )
    .option(
      '--acme-ca-cert <file>',
      "a CA certificate (PEM) to trust for --acme-directory's HTTPS (a private CA)",
    )
    .option(
      '--dns-provider <file>',
      'JSON settings of the DNS provider (rfc2136, cloudflare or exec) that proves wildcard domains by DNS-01',
    )
    .option('--http-host <addr>', 'address apps are served on (default: all addresses)')
    .option(...PROXY_OPTION)
    .option('--domain <base>', 'apps are served at <app>.<base>', 'localhost')
    .option('--engine-socket <path>', 'Docker Engine API socket to use instead of detecting one')
    .option(...BUILDER_DIR_OPTION)
    .option(...LOG_LEVEL_OPTION)
    .option(
      '--allow-local-sources <dir>',
      'a directory whose git repositories every team may build from (repeatable); other local paths are for installation owners',
      collectDir,
      [],
    )
    .option(
      '--install-service',
      'instead of running now, write a systemd unit that runs berth up with these flags (and start it where systemd runs)',
    )
    .option(...REGISTRY_LISTEN_OPTION)
    .option(...EXTERNAL_REGISTRY_OPTIONS[0])
    .option(...EXTERNAL_REGISTRY_OPTIONS[1])
    .option(...EXTERNAL_REGISTRY_OPTIONS[2])
    .option(...MESH_SUBNET_OPTION)
    .option(
      '--no-mesh',
      "keep this server's own agent out of the WireGuard mesh (it joins when --api-host is one private IPv4 address)",
    )
    .option(...serviceDirOption(UP_SERVICE))
    .option(
      '--no-agent',
      'run only the control plane (berthd) here: no local agent, proxy or engine; servers join with berth servers add',
    )
    .action(action(async (opts: UpOptions) => runUp(opts, environment)));
}

/** `--allow-local-sources DIR`, repeatable: absolute (relative ones are taken from here). */
function collectDir(value: string, previous: string[]): string[] {
  const dir = resolve(value);
  if (dir === '/' || dir.includes(':'))
    throw new InvalidArgumentError('must be a directory other than / whose path has no ":"');
  return [...previous, dir];
}

async function runUp(opts: UpOptions, environment: CliEnvironment): Promise<number> {
  const { env } = environment;
  if (!DOMAIN_PATTERN.test(opts.domain))
    throw new CliError(`--domain must be a lowercase DNS name, got "${opts.domain}"`, EXIT.userError);
  // Before anything is written: a service unit with a flag that cannot work would fail at each start.
  const hstsMaxAge = checkHstsFlag(opts);
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const paths = toUpPaths(resolveDataDir({ ...(opts.dataDir && { dataDir: opts.dataDir }) }, environment));
  const remote = await parseRemoteFlags(opts);
  if (opts.installService) {
    return installService(
      { dir: resolve(opts.serviceDir), args: serviceArgs(opts, paths.dataDir, remote) },
      say,
    );
  }
  for (const dir of [
    paths.dataDir,
    paths.runDir,
    paths.logDir,
    paths.caddyDir,
    paths.agentDir,
    paths.podmanDir,
  ]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  await takeLock(paths, 'Berth');
  const httpPort = opts.httpPort ?? (environment.isRoot ? 80 : 8080);
  await assertPortFree(opts.apiPort, '127.0.0.1', '--api-port');
  if (remote.apiHost !== '127.0.0.1') await assertPortFree(opts.apiPort, remote.apiHost, '--api-port');
  if (opts.agent) await assertPortFree(httpPort, opts.httpHost || '0.0.0.0', '--http-port');
  if (opts.httpsPort === httpPort)
    throw new CliError('--https-port must differ from --http-port', EXIT.userError);
  if (opts.agent && opts.httpsPort !== undefined)
    await assertPortFree(opts.httpsPort, opts.httpHost || '0.0.0.0', '--https-port');

  const externalRegistry = chooseExternalRegistry(opts);
  const firstStart = !existsSync(paths.adminTokenFile);
  const engine = opts.agent ? await chooseEngine(opts, paths, env, say) : null;
  if (opts.agent && environment.isRoot) await prepareBuilds(say);
  const settings: UpSettings = {
    apiPort: opts.apiPort,
    httpPort,
    httpsPort: opts.httpsPort ?? null,
    hstsMaxAge,
    httpHost: opts.httpHost ?? '',
    domain: opts.domain,
    logLevel: opts.logLevel,
    engineSocket: engine?.socket ?? '',
    builderDir: opts.builderDir,
    upstreamRefreshMs: 50,
    allowLocalSources: opts.allowLocalSources,
    remote,
    registryListen: externalRegistry
      ? null
      : await chooseRegistryListen(opts.registryListen, remote.apiHost, env, say),
    externalRegistry,
    meshSubnet: checkMeshSubnet(opts.meshSubnet),
    mesh: opts.mesh,
    acme: await checkAcmeFlags(opts),
    proxy: opts.proxy,
  };
  const supervisor = new Supervisor(paths.runDir, paths.logDir, env, say);
  const stop = stopOnSignal(
    supervisor,
    paths,
    'stopping Berth (app containers keep running and are served again by the next berth up)',
  );
  const agentSettings = localAgentSettings(settings);
  const edge = engine
    ? await startEngineAndEdge(supervisor, paths, engine, env, say, {
        ...agentSettings,
        proxy: settings.proxy,
      })
    : null;
  supervisor.start(berthdChild(paths, settings));
  if (engine && edge) supervisor.start(agentChild(paths, agentSettings, edge));

  const url = `http://127.0.0.1:${opts.apiPort}`;
  await waitForBerthd(url, supervisor);
  // Commands typed right after "Berth is up" (a build, a deploy) need the local agent connected.
  if (engine) await waitForLocalAgent(url, await readToken(paths), supervisor, say);
  await writeFile(paths.berthdUrlFile, `${url}\n`, { mode: 0o600 });
  printBanner({
    url,
    paths,
    settings,
    engine: engine?.description ?? 'none here (--no-agent): servers join with berth servers add NAME',
    token: firstStart ? await readToken(paths) : null,
    setupToken: (await readFile(paths.setupTokenFile, 'utf8').catch(() => '')).trim() || null,
    remote: await remoteBannerLines(remote, opts.apiPort, paths.caCert),
  });
  return stop;
}

/** The flags the service runs `berth up` with: these, made absolute, without the install's own. */
function serviceArgs(opts: UpOptions, dataDir: string, remote: RemoteSettings): string[] {
  return [
    '--data-dir',
    resolve(dataDir),
    '--api-port',
    String(opts.apiPort),
    ...(remote.apiHost === '127.0.0.1' ? [] : ['--api-host', remote.apiHost]),
    ...(remote.publicUrl ? ['--public-url', remote.publicUrl] : []),
    ...(remote.given ? ['--tls-cert', remote.given.cert, '--tls-key', remote.given.key] : []),
    ...(opts.httpPort === undefined ? [] : ['--http-port', String(opts.httpPort)]),
    ...(opts.httpsPort === undefined ? [] : ['--https-port', String(opts.httpsPort)]),
    ...(opts.hstsMaxAge === undefined ? [] : ['--hsts-max-age', String(opts.hstsMaxAge)]),
    ...(opts.acmeEmail ? ['--acme-email', opts.acmeEmail] : []),
    ...(opts.acmeDirectory ? ['--acme-directory', opts.acmeDirectory] : []),
    ...(opts.acmeCaCert ? ['--acme-ca-cert', resolve(opts.acmeCaCert)] : []),
    ...(opts.dnsProvider ? ['--dns-provider', resolve(opts.dnsProvider)] : []),
    ...(opts.httpHost ? ['--http-host', opts.httpHost] : []),
    ...(opts.proxy === 'caddy' ? [] : ['--proxy', opts.proxy]),
    '--domain',
    opts.domain,
    ...(opts.engineSocket ? ['--engine-socket', resolve(opts.engineSocket)] : []),
    '--builder-dir',
    resolve(opts.builderDir),
    ...opts.allowLocalSources.flatMap((dir) => ['--allow-local-sources', resolve(dir)]),
    '--log-level',
    opts.logLevel,
    ...(opts.agent ? [] : ['--no-agent']),
    ...(opts.registryListen ? ['--registry-listen', opts.registryListen] : []),
    ...(opts.meshSubnet ? ['--mesh-subnet', opts.meshSubnet] : []),
    ...(opts.mesh ? [] : ['--no-mesh']),
    ...(opts.registry
      ? [
          '--registry',
          opts.registry,
          '--registry-username',
          opts.registryUsername ?? '',
          '--registry-password-file',
          resolve(opts.registryPasswordFile ?? ''),
        ]
      : []),
  ];
}

const readToken = async (paths: UpPaths): Promise<string | null> =>
  (await readFile(paths.adminTokenFile, 'utf8').catch(() => '')).trim() || null;
