/**
 * `berth agent run`: everything a fleet server runs besides the container engine — the agent,
 * its Caddy edge and the upstream DNS service (and Podman's API service when no engine is
 * there) — supervised and restarted as `berth up` does, from what `berth agent join` wrote.
 * SIGINT/SIGTERM stop the children; app containers keep running and serving (local autonomy).
 */
import { mkdir } from 'node:fs/promises';
import { DEFAULT_MESH_INTERFACE, DEFAULT_MESH_PORT } from '@berth/engine';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError, printJson } from '../../cli/output.js';
import type { CliEnvironment } from '../../cli/environment.js';
import { agentChild, type AgentChildSettings } from '../up/children.js';
import { chooseEngine } from '../up/engine.js';
import { installService } from '../up/install-service.js';
import {
  assertPortFree,
  prepareBuilds,
  startEngineAndEdge,
  stopOnSignal,
  takeLock,
} from '../up/lifecycle.js';
import { toUpPaths, type UpPaths } from '../up/paths.js';
import { waitForSocket } from '../up/readiness.js';
import { AGENT_SERVICE } from '../up/service-unit.js';
import { Supervisor } from '../up/supervisor.js';
import { agentFilePath, readAgentFile, type AgentFile } from './agent-file.js';

export interface RunOptions {
  dataDir: string;
  builderDir: string;
  logLevel: string;
  installService?: boolean;
  serviceDir: string;
  json?: boolean;
}

export async function runAgent(opts: RunOptions, environment: CliEnvironment): Promise<number> {
  const paths = toUpPaths(opts.dataDir);
  const file = await readAgentFile(paths.dataDir);
  if (!file)
    throw new CliError(
      `${paths.dataDir} has not joined a fleet (no ${agentFilePath(paths.dataDir)})`,
      EXIT.userError,
      `Join first with the command berth servers add NAME printed: berth agent join URL TOKEN --data-dir ${paths.dataDir}`,
    );
  const say = (line: string): void => void (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
  if (opts.installService)
    return installService(
      {
        dir: opts.serviceDir,
        args: ['--data-dir', paths.dataDir, '--builder-dir', opts.builderDir, '--log-level', opts.logLevel],
        kind: AGENT_SERVICE,
      },
      say,
    );
  for (const dir of [paths.runDir, paths.logDir, paths.caddyDir, paths.agentDir, paths.podmanDir])
    await mkdir(dir, { recursive: true, mode: 0o700 });
  await takeLock(paths, 'berth agent run');
  if (file.httpsPort !== undefined)
    await assertPortFree(file.httpsPort, file.publicIp ?? '0.0.0.0', 'berth agent join --https-port');
  await assertPortFree(
    file.httpPort,
    file.publicIp ?? '0.0.0.0',
    'berth agent join --http-port (agent.json keeps it)',
  );
  const engine = await chooseEngine(
    file.engineSocket ? { engineSocket: file.engineSocket } : {},
    paths,
    environment.env,
    say,
  );
  if (environment.isRoot) await prepareBuilds(say);
  const agent = toAgentSettings(file, engine.socket, opts);
  const supervisor = new Supervisor(paths.runDir, paths.logDir, environment.env, say);
  const stop = stopOnSignal(
    supervisor,
    paths,
    `stopping the agent and its ${agent.proxy === 'nginx' ? 'nginx' : 'Caddy'} (app containers keep running; the next berth agent run serves them again)`,
  );
  const edge = await startEngineAndEdge(supervisor, paths, engine, environment.env, say, agent);
  supervisor.start(agentChild(paths, agent, edge));
  if (agent.proxy === 'caddy') await waitForSocket(paths.caddyAdminSocket, 'caddy', supervisor, say);
  report(file, agent, engine.description, paths, opts.json === true);
  return stop;
}

/** The agent's settings from agent.json: its link to berthd, and where its edge and replicas listen. */
export function toAgentSettings(
  file: AgentFile,
  engineSocket: string,
  opts: { builderDir: string; logLevel: string },
): AgentChildSettings {
  const link = new URL('/api/v1/agent/connect', file.serverUrl);
  link.protocol = link.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    name: file.serverName,
    serverUrl: link.href,
    fingerprint: file.fingerprint,
    engineSocket,
    builderDir: opts.builderDir,
    httpListen: `${file.publicIp ? hostPart(file.publicIp) : ''}:${file.httpPort}`,
    httpsListen:
      file.httpsPort === undefined
        ? null
        : `${file.publicIp ? hostPart(file.publicIp) : ''}:${file.httpsPort}`,
    hstsMaxAge: file.hstsMaxAge ?? null,
    publishHost: file.privateIp ?? '127.0.0.1',
    privateIp: file.privateIp,
    // Joined before the mesh existed: in it with the defaults.
    mesh:
      file.mesh === undefined
        ? { interfaceName: DEFAULT_MESH_INTERFACE, listenPort: DEFAULT_MESH_PORT }
        : file.mesh,
    upstreamRefreshMs: 50,
    logLevel: opts.logLevel,
    proxy: file.proxy ?? 'caddy',
  };
}

const hostPart = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);

function report(
  file: AgentFile,
  agent: AgentChildSettings,
  engine: string,
  paths: UpPaths,
  json: boolean,
): void {
  const apps = `http://${file.publicIp ? hostPart(file.publicIp) : '<this server>'}:${file.httpPort}/`;
  if (json) {
    printJson({
      serverName: file.serverName,
      serverId: file.serverId,
      serverUrl: file.serverUrl,
      apps,
      publishHost: agent.publishHost,
      mesh: agent.mesh,
      engine,
      dataDir: paths.dataDir,
    });
    return;
  }
  const lines = [
    '',
    `berth-agent is running as ${file.serverName}.`,
    `  berthd   ${file.serverUrl}${file.fingerprint ? ` (CA ${file.fingerprint})` : ''}`,
    `  Apps     ${apps} (every app of the fleet, by its host name)`,
    agent.mesh
      ? `  Replicas published on the mesh address berthd gives ${agent.mesh.interfaceName} (UDP ${agent.mesh.listenPort}${file.privateIp ? ` on ${file.privateIp}` : ', dialing out only'}), ${agent.publishHost} until it is up`
      : `  Replicas published on ${agent.publishHost}${file.privateIp ? '' : ' (this server only: join with --private-ip for other servers to reach them)'}`,
    `  Engine   ${engine}`,
    `  Data     ${paths.dataDir} (logs in ${paths.logDir})`,
    '',
    'Ctrl-C stops it; app containers keep running.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
