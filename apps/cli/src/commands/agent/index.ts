import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { action } from '../../cli/command.js';
import type { CliEnvironment } from '../../cli/environment.js';
import { parseIntArg } from '../../cli/parse.js';
import {
  BUILDER_DIR_OPTION,
  HSTS_MAX_AGE_OPTION,
  LOG_LEVEL_OPTION,
  PROXY_OPTION,
  serviceDirOption,
} from '../up/options.js';
import { AGENT_SERVICE } from '../up/service-unit.js';
import { runJoin, type JoinOptions } from './join.js';
import { runAgent, type RunOptions } from './run.js';

/** /var/lib/berth-agent as root (beside berth up's /var/lib/berth), else under the user's data home. */
function defaultAgentDataDir({ env, isRoot }: CliEnvironment): string {
  if (isRoot) return '/var/lib/berth-agent';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'berth-agent');
}

export function registerAgent(program: Command, environment: CliEnvironment): void {
  const agent = program
    .command('agent')
    .description('this server as part of a fleet: join it with a token, then run its agent');
  const dataDir = defaultAgentDataDir(environment);
  agent
    .command('join')
    .description(
      "join the fleet of the berthd at URL with the token berth servers add printed: makes this server's keys and writes <data-dir>/agent.json",
    )
    .argument('<url>', "berthd's address, e.g. https://192.0.2.10:7070")
    .argument('<token>', 'the one-time join token (bj1.…)')
    .option('--data-dir <dir>', 'where the agent keeps its keys, configuration and state', dataDir)
    .option(
      '--engine-socket <path>',
      'Docker Engine API socket to use (default: found or started at each run)',
    )
    .option('--public-ip <ip>', "this server's address apps are served on (default: every address)")
    .option(
      '--private-ip <ip>',
      "a private address of this server where other servers' edges reach its replicas (default: none, replicas serve through this server's edge only)",
    )
    .option(
      '--http-port <n>',
      'port apps are served on (default 80 as root, else 8080)',
      parseIntArg(1, 65535),
    )
    .option(
      '--https-port <n>',
      'serve apps over HTTPS on this port too (custom domains get certificates); none by default',
      parseIntArg(1, 65535),
    )
    .option(...HSTS_MAX_AGE_OPTION)
    .option(
      '--mesh-interface <name>',
      "the WireGuard interface of this server in the fleet's private mesh",
      'berth-mesh',
    )
    .option('--mesh-port <n>', 'UDP port the mesh interface listens on', parseIntArg(1, 65535), 51820)
    .option('--no-mesh', 'stay out of the mesh: replicas are reached on --private-ip, unencrypted')
    .option(...PROXY_OPTION)
    .option(
      '--install-service',
      'also write a systemd unit that runs berth agent run (and start it where systemd runs)',
    )
    .option(...serviceDirOption(AGENT_SERVICE))
    .option('--json', 'print machine-readable JSON')
    .action(
      action(
        async (url: string, token: string, opts: Omit<JoinOptions, 'httpPort'> & { httpPort?: number }) =>
          runJoin(url, token, {
            ...opts,
            dataDir: resolve(opts.dataDir),
            serviceDir: resolve(opts.serviceDir),
            ...(opts.engineSocket !== undefined && { engineSocket: resolve(opts.engineSocket) }),
            httpPort: opts.httpPort ?? (environment.isRoot ? 80 : 8080),
          }),
      ),
    );
  agent
    .command('run')
    .description(
      'run the agent, its Caddy and their helpers (and Podman when no engine answers), supervised, in the foreground',
    )
    .option('--data-dir <dir>', 'the data dir berth agent join wrote', dataDir)
    .option(...BUILDER_DIR_OPTION)
    .option(...LOG_LEVEL_OPTION)
    .option(
      '--install-service',
      'instead of running now, write a systemd unit that runs berth agent run with these flags (and start it where systemd runs)',
    )
    .option(...serviceDirOption(AGENT_SERVICE))
    .option('--json', 'print machine-readable JSON')
    .action(
      action(async (opts: RunOptions) =>
        runAgent(
          {
            ...opts,
            dataDir: resolve(opts.dataDir),
            builderDir: resolve(opts.builderDir),
            serviceDir: resolve(opts.serviceDir),
          },
          environment,
        ),
      ),
    );
}
