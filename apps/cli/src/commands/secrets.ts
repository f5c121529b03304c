import type { SecretsPatch } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import type { CliEnvironment } from '../cli/environment.js';
import { CliError, printJson, printTable } from '../cli/output.js';
import { EXIT } from '../cli/exit-codes.js';
import { parseEnvPairs } from '../cli/parse.js';
import { readStdin } from '../cli/prompt.js';
import { submitOnce, withIdempotencyKey } from '../cli/submit.js';

type WaitOptions = CommonOptions & { wait: boolean; idempotencyKey?: string };

export function registerSecrets(program: Command, environment: CliEnvironment): void {
  const secrets = program
    .command('secrets')
    .description(
      "an app's secrets: encrypted at rest, never shown again; a change is a new release, rolled out",
    );

  const setCommand = withCommon(secrets.command('set <app> [pairs...]'))
    .description(
      'set KEY=VALUE pairs (or, with --stdin, one KEY=VALUE per line from stdin, so values stay out of shell history)',
    )
    .option('--stdin', 'read KEY=VALUE lines from stdin')
    .option(
      '--as-file <path>',
      'give the one secret to the app as a read-only file at this path (/run/secrets/NAME) instead of an environment variable',
    )
    .option('--no-wait', 'return once the new release is queued');
  withIdempotencyKey(setCommand).action(
    action(async (app: string, pairs: string[], opts: WaitOptions & { stdin?: boolean; asFile?: string }) => {
      const given = [...pairs.map((p, i) => ({ p, from: `argument ${i + 2}` })), ...(await stdinPairs(opts))];
      if (given.length === 0)
        throw new CliError(
          opts.stdin ? 'stdin had no KEY=VALUE lines' : 'give KEY=VALUE pairs, or --stdin to read them',
          EXIT.userError,
          `e.g. berth secrets set ${app} --stdin < secrets.env`,
        );
      const set = parseEnvPairs(
        given.map((g) => g.p),
        { secret: true, source: (i) => given[i]?.from ?? `pair ${i + 1}` },
      );
      return change(environment, app, { set, ...filesOf(set, opts.asFile) }, opts);
    }),
  );

  const unsetCommand = withCommon(secrets.command('unset <app> <keys...>'))
    .description('remove secrets')
    .option('--no-wait', 'return once the new release is queued');
  withIdempotencyKey(unsetCommand).action(
    action(async (app: string, keys: string[], opts: WaitOptions) =>
      change(environment, app, { unset: keys }, opts),
    ),
  );

  withCommon(secrets.command('list <app>'))
    .alias('ls')
    .description('secret names and when they changed; values are never shown')
    .action(
      action(async (app: string, opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listSecrets(app);
        if (opts.json) return printJson(list);
        printTable(
          list.secrets.map((s) => [s.key, '********', s.file ?? '(env)', s.updatedAt]),
          ['KEY', 'VALUE', 'FILE', 'UPDATED'],
        );
      }),
    );
}

/** `--stdin`: KEY=VALUE lines, blank ones skipped, each known by its line number. */
async function stdinPairs(opts: { stdin?: boolean }): Promise<{ p: string; from: string }[]> {
  if (!opts.stdin) return [];
  return (await readStdin())
    .split('\n')
    .map((p, i) => ({ p: p.replace(/\r$/, ''), from: `line ${i + 1} of stdin` }))
    .filter((l) => l.p.trim() !== '');
}

/** `--as-file PATH` names where one secret is mounted; with several pairs it would be ambiguous. */
function filesOf(
  set: Record<string, string>,
  asFile: string | undefined,
): { files?: Record<string, string> } {
  if (asFile === undefined) return {};
  const keys = Object.keys(set);
  if (keys.length !== 1 || keys[0] === undefined)
    throw new CliError(
      `--as-file takes exactly one KEY=VALUE pair (got ${keys.length})`,
      EXIT.userError,
      'Set each file secret with its own command: berth secrets set APP KEY=VALUE --as-file /run/secrets/KEY',
    );
  return { files: { [keys[0]]: asFile } };
}

async function change(
  environment: CliEnvironment,
  app: string,
  patch: SecretsPatch,
  opts: WaitOptions,
): Promise<number | void> {
  const client = clientFor(environment, opts);
  const { secrets, deployment } = await submitOnce(client, (key) => client.patchSecrets(app, patch, key), {
    app,
    idempotencyKey: opts.idempotencyKey,
    json: opts.json === true,
  });
  if (deployment) return finishDeployment(client, deployment, { wait: opts.wait, json: opts.json === true });
  if (opts.json) return printJson({ secrets, deployment: null });
  process.stdout.write(
    `Saved; ${app} gets them with its next deploy (nothing changed, or nothing is deployed yet)\n`,
  );
}
