/**
 * `berth proxy history SERVER` and `berth proxy rollback SERVER VERSION`: the config versions a
 * server's nginx edge keeps (Caddy's config never changes, so a Caddy server has none).
 */
import type { ProxyVersion } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';
import { parseIntArg } from '../cli/parse.js';

const versionRow = (v: ProxyVersion): string[] => [
  `${v.version}${v.current ? ' *' : ''}`,
  v.createdAt,
  v.hash.slice(0, 12),
  v.cause,
];

export function registerProxy(program: Command, environment: CliEnvironment): void {
  const proxy = program
    .command('proxy')
    .description("a server's edge (nginx): its config versions, and going back to one (installation owners)");

  withCommon(proxy.command('history <server>'))
    .description(
      "config versions of the server's nginx edge, oldest first: number (* current), time, hash, cause",
    )
    .action(
      action(async (server: string, opts: CommonOptions) => {
        const history = await clientFor(environment, opts).proxyHistory(server);
        if (opts.json) return printJson(history);
        printTable(history.versions.map(versionRow), ['VERSION', 'CREATED', 'HASH', 'CAUSE']);
      }),
    );

  withCommon(
    proxy
      .command('rollback')
      .argument('<server>', 'the server, e.g. local')
      .argument('<version>', 'a version berth proxy history lists', parseIntArg(1, 1_000_000_000)),
  )
    .description(
      "serve an earlier config version of the server's nginx edge again (checked with nginx -t, written as a new version)",
    )
    .action(
      action(async (server: string, version: number, opts: CommonOptions) => {
        const answer = await clientFor(environment, opts).proxyRollback(server, version);
        if (opts.json) return printJson(answer);
        process.stdout.write(
          `${answer.server}: nginx serves version ${version}'s config again, as version ${answer.version.version}\n` +
            // The agent owns the edge: what it renders from its desired state wins at its next pass.
            'The agent publishes its desired state again at its next pass if that renders differently (berth proxy history shows it)\n',
        );
      }),
    );
}
