import type { BerthClient } from '@berth/client';
import { parseIntArg } from '../cli/parse.js';
import { formatBytes } from '../cli/format-bytes.js';
import { describeDatabaseEngines } from '@berth/core';
import {
  DATABASE_ENGINES,
  MemoryLimitMiB,
  parseMemoryMiB,
  type Database,
  type DatabaseEngine,
} from '@berth/protocol';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { printJson, printTable } from '../cli/output.js';
import { followDeployment } from '../cli/progress.js';
import { runExecCommand } from './exec.js';

interface TeamOptions extends CommonOptions {
  team?: string;
}

interface CreateOptions extends TeamOptions {
  engine: DatabaseEngine;
  version?: string;
  server?: string;
  memory?: number;
  publicPort?: number;
  wait: boolean;
}

function parseMemoryArg(value: string): number {
  const parsed = MemoryLimitMiB.safeParse(parseMemoryMiB(value));
  if (!parsed.success) throw new InvalidArgumentError('expected a size like 256M, 1G or 1.5G (16M to 1T)');
  return parsed.data;
}

export function registerDatabases(program: Command, environment: CliEnvironment): void {
  const db = program
    .command('db')
    .description("a team's managed databases: PostgreSQL, MariaDB (mysql) and Redis, data on a volume");

  withCommon(db.command('create <name>'))
    .description(
      'create a database (its volume, generated credentials) and start it; waits until it accepts connections',
    )
    .addOption(new Option('--engine <engine>', 'the engine').choices(DATABASE_ENGINES).makeOptionMandatory())
    .option('--version <version>', "the engine's version (default: the one its image carries)")
    .option('--server <name>', 'the server it and its volume live on (default: the local one)')
    .option('--memory <size>', 'memory it may use, e.g. 512M or 2G (default 512M)', parseMemoryArg)
    .option(
      '--public-port <port>',
      "also reachable from outside on this port of its server's edge address (default: its team's apps only)",
      parseIntArg(1024, 65_535),
    )
    .option('--team <team>', 'the team that owns it (default: yours)')
    .option('--no-wait', 'return once it is created, without waiting for it to start')
    .addHelpText(
      'after',
      `\nEngines and versions, from Debian 12's packages (built by berth images bootstrap --only postgres,mariadb,redis):\n  ${describeDatabaseEngines()}\n` +
        "Reachable by the team's apps only, as <name>.db.internal; give an app its URL with: berth db link NAME APP",
    )
    .action(
      action(async (name: string, opts: CreateOptions) => {
        const client = clientFor(environment, opts);
        const created = await client.createDatabase({
          name,
          engine: opts.engine,
          ...(opts.version !== undefined && { version: opts.version }),
          ...(opts.server !== undefined && { server: opts.server }),
          ...(opts.memory !== undefined && { memoryMiB: opts.memory }),
          ...(opts.publicPort !== undefined && { publicPort: opts.publicPort }),
          ...(opts.team !== undefined && { team: opts.team }),
        });
        const json = opts.json === true;
        if (!opts.wait || created.deploymentId === null) return done(created, json, 'Created');
        const first = await client.getDeployment(created.deploymentId);
        const final = await followDeployment(client, first, json);
        const now = await client.getDatabase(name, opts.team);
        if (final.status === 'succeeded') return done(now, json, 'Created');
        if (json) printJson(now);
        process.stderr.write(
          `error: ${final.error?.message ?? `the database did not start (${now.status})`}\n`,
        );
        return EXIT.deployFailed;
      }),
    );

  withCommon(db.command('list'))
    .description('name, team, engine, status, server and private address')
    .action(
      action(async (opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listDatabases();
        if (opts.json) return printJson({ databases: list });
        if (list.length === 0) return void process.stdout.write('No databases\n');
        printTable(
          list.map((d) => [d.name, d.team, `${d.engine} ${d.version}`, d.status, d.server, d.privateAddress]),
          ['NAME', 'TEAM', 'ENGINE', 'STATUS', 'SERVER', 'PRIVATE ADDRESS'],
        );
      }),
    );

  withCommon(db.command('show <name>'))
    .description('status, version, server, volume, private address, links and the workload that runs it')
    .option('--team <team>', 'the team that owns it (default: yours)')
    .action(
      action(async (name: string, opts: TeamOptions) => {
        const d = await clientFor(environment, opts).getDatabase(name, opts.team);
        if (opts.json) return printJson(d);
        process.stdout.write(describe(d));
      }),
    );

  withCommon(db.command('link <name> <app>'))
    .description("give the app the database's URL as a secret, in a new release rolled out as usual")
    .option('--as <key>', 'the secret the URL goes into', 'DATABASE_URL')
    .option('--team <team>', 'the team that owns both (default: yours)')
    .option('--no-wait', 'return once the release is queued')
    .action(
      action(async (name: string, app: string, opts: TeamOptions & { as: string; wait: boolean }) => {
        const client = clientFor(environment, opts);
        const linked = await client.linkDatabase(name, {
          app,
          as: opts.as,
          ...(opts.team !== undefined && { team: opts.team }),
        });
        return finishLink(client, linked, opts, `Linked ${name} into ${app} as ${linked.as}`);
      }),
    );

  withCommon(db.command('unlink <name> <app>'))
    .description("take the database's URL secret out of the app, in a new release rolled out as usual")
    .option('--team <team>', 'the team that owns both (default: yours)')
    .option('--no-wait', 'return once the release is queued')
    .action(
      action(async (name: string, app: string, opts: TeamOptions & { wait: boolean }) => {
        const client = clientFor(environment, opts);
        const unlinked = await client.unlinkDatabase(name, app, opts.team);
        return finishLink(client, unlinked, opts, `Unlinked ${name} from ${app} (${unlinked.as} removed)`);
      }),
    );

  withCommon(db.command('shell <name>'))
    .description(
      "the engine's client (psql, mariadb, redis-cli) inside the database; reads stdin when it is not a terminal",
    )
    .option('--team <team>', 'the team that owns it (default: yours)')
    .action(
      action(async (name: string, opts: TeamOptions) => {
        const d = await clientFor(environment, opts).getDatabase(name, opts.team);
        if (d.workload === null) {
          process.stderr.write(`error: the database ${name} has no workload running it\n`);
          return EXIT.userError;
        }
        return runExecCommand(environment, opts, d.workload, d.shell);
      }),
    );

  withCommon(db.command('delete <name>'))
    .description('delete a database, its workload and its volume (its data); refused while apps are linked')
    .option('--team <team>', 'the team that owns it (default: yours)')
    .action(
      action(async (name: string, opts: TeamOptions) => {
        await clientFor(environment, opts).deleteDatabase(name, opts.team);
        if (opts.json) return printJson({ deleted: name });
        process.stdout.write(`Deleted database ${name} and its data\n`);
      }),
    );
}

function done(d: Database, json: boolean, verb: string): number {
  if (json) printJson(d);
  else
    process.stdout.write(
      `${verb} ${d.engine} database ${d.name} on ${d.server} (${d.status}), reachable by the team's apps at ${d.privateAddress}\n` +
        `Give an app its URL with: berth db link ${d.name} APP\n`,
    );
  return EXIT.ok;
}

async function finishLink(
  client: BerthClient,
  result: { deploymentId: string | null },
  opts: CommonOptions & { wait: boolean },
  message: string,
): Promise<number> {
  if (!opts.json) process.stdout.write(`${message}\n`);
  if (result.deploymentId === null) {
    if (opts.json) printJson(result);
    else process.stdout.write('The app has no release yet: its first deploy gets it\n');
    return EXIT.ok;
  }
  return finishDeployment(client, await client.getDeployment(result.deploymentId), {
    wait: opts.wait,
    json: opts.json === true,
  });
}

function describe(d: Database): string {
  const lines: [string, string][] = [
    ['Name', d.name],
    ['Team', d.team],
    ['Engine', `${d.engine} ${d.version}`],
    ['Status', d.status],
    ['Server', d.server],
    ['Volume', d.volume],
    ['Memory', `${d.memoryMiB} MiB`],
    ['Size', d.sizeBytes === null ? '-' : formatBytes(d.sizeBytes)],
    ['Private address', d.privateAddress],
    [
      'Public port',
      d.publicPort === null ? '- (its team’s apps only)' : `${d.publicPort} on its server’s edge address`,
    ],
    ['Links', d.links.length === 0 ? '-' : d.links.map((l) => `${l.app} (${l.as})`).join(', ')],
    ['Workload', d.workload === null ? '-' : `${d.workload} (berth logs ${d.workload})`],
    [
      'Last verified backup',
      d.lastVerifiedBackup === null
        ? '- (berth backups run NAME --target T)'
        : `${d.lastVerifiedBackup.at} ${d.lastVerifiedBackup.id} on ${d.lastVerifiedBackup.target}`,
    ],
    ['Created', d.createdAt],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}
