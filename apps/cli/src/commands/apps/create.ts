import { readFile } from 'node:fs/promises';
import {
  DATABASE_ENGINES,
  DatabaseEngine,
  type AppCreate,
  type DeployStrategy,
  type GitSourceInput,
} from '@berth/protocol';
import { EXIT } from '../../cli/exit-codes.js';
import { parseVolumeMount, strategyArg } from '../../cli/volume-options.js';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../../cli/command.js';
import { CliError, printJson } from '../../cli/output.js';
import { collect, gitRefOf, parseEnvPairs, parseIntArg } from '../../cli/parse.js';
import { readStdin } from '../../cli/prompt.js';
import type { CliEnvironment } from '../../cli/environment.js';
import { limitsInput, withLimitOptions, type LimitOptions } from '../../cli/limits.js';
import { healthInput, withHealthOptions, type HealthOptions } from './health-options.js';
import { printWarnings } from './warnings.js';

interface CreateOptions extends CommonOptions, LimitOptions, HealthOptions {
  image?: string;
  git?: string;
  branch?: string;
  tag?: string;
  commit?: string;
  gitTokenStdin?: boolean;
  gitSshKey?: string;
  port?: number;
  replicas?: number;
  env?: string[];
  team?: string;
  project?: string;
  constraint?: string[];
  domain?: string[];
  volume?: string[];
  strategy?: DeployStrategy;
  db?: string[];
}

export function registerAppsCreate(apps: Command, environment: CliEnvironment): void {
  const create = withCommon(apps.command('create <name> [command...]'));
  withLimitOptions(create, '(default 1 CPU, 512M, 512 pids)')
    .description(
      "create an app from an image, a git repository, or neither (then deploy it with --from-dir); nothing runs until `berth deploy`. A command after -- replaces the image's",
    )
    .option('--image <ref>', 'image reference, e.g. localhost/hello:1 or nginx:1.27')
    .option(
      '--git <url>',
      'git repository to build from: https://, ssh://, git@host:path, file:// or a local path',
    )
    .option('--branch <name>', 'branch to build and to deploy on push (default main)')
    .option('--tag <name>', 'tag to build instead of a branch')
    .option('--commit <sha>', 'exact commit to build (full SHA)')
    .option('--git-token-stdin', 'read an https access token for the repository from stdin (kept encrypted)')
    .option('--git-ssh-key <file>', 'private deploy key for an ssh repository (kept encrypted)')
    .option(
      '--port <n>',
      'port the app listens on inside the container (default 8080)',
      parseIntArg(1, 65535),
    )
    .option('--replicas <n>', 'number of replicas (default 1)', parseIntArg(0, 64))
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', collect)
    .option(
      '--constraint <key=value>',
      'run replicas only on servers whose labels match, e.g. zone=b or role!=build (repeatable)',
      collect,
    )
    .option(
      '--domain <name>',
      'a custom domain it is served on, added with the app (HTTPS once a certificate covers it; repeatable)',
      collect,
    )
    .option(
      '--volume <name:/path>',
      "mount a volume of the team at an absolute path in every replica, e.g. uploads:/var/lib/uploads; the replicas run on the volume's server (repeatable)",
      collect,
    )
    .option(
      '--strategy <rolling|recreate>',
      'how a new release replaces the old: rolling (default: new starts, then old stops) or recreate (old stops first: single writers)',
      strategyArg,
    )
    .option(
      '--db <engine[:name]>',
      'a managed database made with the app and linked into it: postgres, mysql or redis, named <app>-<engine> unless :name is given; the first goes into DATABASE_URL, others into <ENGINE>_URL (repeatable)',
      collect,
    )
    .option('--team <team>', 'the team that owns it (default: yours)')
    .option('--project <project>', "a project of that team (default: the team's default project)");
  withHealthOptions(create).action(
    action(async (name: string, command: string[], opts: CreateOptions) => {
      const input: AppCreate = {
        name,
        ...(opts.image && { image: opts.image }),
        ...(opts.git && { git: await gitInput(opts.git, opts) }),
        ...(opts.port !== undefined && { port: opts.port }),
        ...(opts.replicas !== undefined && { replicas: opts.replicas }),
        ...(opts.env && { env: parseEnvPairs(opts.env) }),
        ...(command.length > 0 && { command }),
        ...(opts.team && { team: opts.team }),
        ...(opts.project && { project: opts.project }),
        ...(opts.constraint && { constraints: opts.constraint }),
        ...(opts.domain && { domains: opts.domain.map((d) => ({ name: d })) }),
        ...(opts.volume && { volumes: opts.volume.map(parseVolumeMount) }),
        ...(opts.strategy && { strategy: opts.strategy }),
        ...(opts.db && { databases: opts.db.map(parseDatabaseArg) }),
      };
      const health = healthInput(opts);
      if (health) input.health = health;
      const limits = limitsInput(opts);
      if (limits) input.limits = limits;
      const app = await clientFor(environment, opts).createApp(input);
      if (opts.json) printJson(app);
      else {
        const deploy =
          opts.image || opts.git ? `berth deploy ${app.name}` : `berth deploy ${app.name} --from-dir DIR`;
        process.stdout.write(
          `Created ${app.name}; deploy it with: ${deploy}\nIt will be served at ${app.url}\n`,
        );
        printWarnings(app.warnings);
      }
    }),
  );
}

async function gitInput(url: string, opts: CreateOptions): Promise<GitSourceInput> {
  const ref = gitRefOf(opts);
  const token = opts.gitTokenStdin ? (await readStdin()).trim() : undefined;
  const sshKey = opts.gitSshKey ? await readFile(opts.gitSshKey, 'utf8') : undefined;
  return { url, ...(ref && { ref }), ...(token && { token }), ...(sshKey && { sshKey }) };
}

/** `--db postgres` or `--db redis:cache`; the first database is DATABASE_URL, the next `<ENGINE>_URL`. */
function parseDatabaseArg(value: string, index: number): NonNullable<AppCreate['databases']>[number] {
  const [engine = '', name] = value.split(':', 2);
  const parsed = DatabaseEngine.safeParse(engine);
  if (!parsed.success)
    throw new CliError(
      `--db ${value}: the engine must be one of ${DATABASE_ENGINES.join(', ')}`,
      EXIT.userError,
    );
  return {
    engine: parsed.data,
    ...(name !== undefined && { name }),
    ...(index > 0 && { as: `${parsed.data.toUpperCase()}_URL` }),
  };
}
