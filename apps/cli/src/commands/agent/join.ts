/**
 * `berth agent join URL TOKEN`: makes this server's keys, joins the fleet with the token, and
 * writes agent.json for `berth agent run`. Nothing is written before the input is checked, and
 * agent.json only after berthd accepted the join: a refused join leaves at most the keys, which
 * the next join reuses.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findEngineSocket, createDockerApiEngine, type EngineCapacity } from '@berth/engine';
import { loadOrCreateIdentity } from '@berth/crypto';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError, printJson } from '../../cli/output.js';
import { BERTH_VERSION } from '../../cli/version.js';
import { installService } from '../up/install-service.js';
import { toUpPaths } from '../up/paths.js';
import { AGENT_SERVICE } from '../up/service-unit.js';
import { agentFilePath, createAgentFile, readAgentFile } from './agent-file.js';
import { parseJoinInput, type JoinFlags } from './join-input.js';
import { requestJoin } from './join-request.js';

export interface JoinOptions extends JoinFlags {
  dataDir: string;
  installService?: boolean;
  serviceDir: string;
  json?: boolean;
}

export async function runJoin(url: string, token: string, opts: JoinOptions): Promise<number> {
  const input = parseJoinInput(url, token, opts);
  const paths = toUpPaths(opts.dataDir);
  const joined = await readAgentFile(paths.dataDir).catch(() => 'unreadable' as const);
  if (joined !== null) {
    const who = joined === 'unreadable' ? 'a fleet' : `${joined.serverUrl} as ${joined.serverName}`;
    throw new CliError(
      `${paths.dataDir} has already joined ${who} (${agentFilePath(paths.dataDir)})`,
      EXIT.userError,
      `Run it: berth agent run --data-dir ${paths.dataDir}. To join again, remove ${agentFilePath(paths.dataDir)} first (the keys beside it are kept)`,
    );
  }
  const capacity = input.engineSocket ? await engineCapacity(input.engineSocket) : null;
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  await mkdir(paths.agentDir, { recursive: true, mode: 0o700 });
  const identity = await loadOrCreateIdentity(paths.agentDir);
  const answer = await requestJoin(input, identity, { agentVersion: BERTH_VERSION, capacity });
  const written = await createAgentFile(paths.dataDir, {
    version: 1,
    serverUrl: input.serverUrl,
    fingerprint: input.token.fingerprint,
    serverId: answer.serverId,
    serverName: answer.serverName,
    labels: answer.labels,
    engineSocket: input.engineSocket,
    publicIp: input.publicIp,
    privateIp: input.privateIp,
    httpPort: input.httpPort,
    ...(input.httpsPort !== null && { httpsPort: input.httpsPort }),
    ...(input.hstsMaxAge !== null && { hstsMaxAge: input.hstsMaxAge }),
    mesh: input.mesh,
    proxy: input.proxy,
    joinedAt: new Date().toISOString(),
  });
  if (!written)
    throw new CliError(
      `Another berth agent join wrote ${agentFilePath(paths.dataDir)} meanwhile; this join's server (${answer.serverName}) is not used here`,
      EXIT.userError,
      'Ask an admin to remove the extra server: berth servers remove NAME',
    );
  const run = ['berth', 'agent', 'run', '--data-dir', paths.dataDir].join(' ');
  const say = (line: string): void => void (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
  const unit = opts.installService ? join(opts.serviceDir, AGENT_SERVICE.unitName) : null;
  if (!opts.json) {
    const labels = Object.entries(answer.labels).map(([k, v]) => `${k}=${v}`);
    say(`Joined ${input.serverUrl} as ${answer.serverName} (${answer.serverId}).`);
    if (labels.length > 0) say(`  Labels   ${labels.join(', ')}`);
    say(
      `  Keys     ${join(paths.agentDir, 'identity.key')}, sealing.key (0600; they never leave this server)`,
    );
    say(`  Config   ${agentFilePath(paths.dataDir)}`);
  }
  if (opts.installService) {
    await installService(
      { dir: opts.serviceDir, args: ['--data-dir', paths.dataDir], kind: AGENT_SERVICE },
      say,
    );
  } else if (!opts.json) {
    say('');
    say(`Next, run the agent (with its ${input.proxy === 'nginx' ? 'nginx' : 'Caddy'}), in the foreground:`);
    say(`  ${run}`);
    say('or as a systemd service (written, enabled and started):');
    say(`  ${run} --install-service`);
  }
  if (opts.json)
    printJson({
      ...answer,
      serverUrl: input.serverUrl,
      dataDir: paths.dataDir,
      config: agentFilePath(paths.dataDir),
      next: run,
      serviceUnit: unit,
    });
  return EXIT.ok;
}

/** The engine's view of this host, read once before joining; a socket that does not answer is a mistake. */
async function engineCapacity(socket: string): Promise<EngineCapacity> {
  if (!(await findEngineSocket([socket])))
    throw new CliError(
      `No container engine answers at ${socket}`,
      EXIT.userError,
      'Check the path (systemctl enable --now podman.socket makes /run/podman/podman.sock), or leave --engine-socket out: berth agent run then finds or starts one',
    );
  return createDockerApiEngine({ socketPath: socket }).capacity();
}
