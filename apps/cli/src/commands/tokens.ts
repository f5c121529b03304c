import { parseDuration } from '@berth/core';
import { ROLES, type Role } from '@berth/protocol';
import { InvalidArgumentError, type Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';
import { parseRole } from './users.js';

const DAY_MS = 86_400_000;

/** `30d`, `12h`, `2w`-free: whole days (at least one), since tokens live for days. */
function parseExpiry(value: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms < DAY_MS || ms % DAY_MS !== 0)
    throw new InvalidArgumentError('expected whole days, like 30d');
  return ms / DAY_MS;
}

export function registerTokens(program: Command, environment: CliEnvironment): void {
  const tokens = program
    .command('tokens')
    .description('API tokens for scripts and CI, each with a role in one team');

  withCommon(tokens.command('create <name>'))
    .description('create a token; it is shown once (with --json: {"token": …}), only its hash is kept')
    .requiredOption('--role <role>', `${ROLES.join(', ')}`, parseRole)
    .option('--team <team>', 'the team (default: yours)')
    .option('--expires <days>', 'lifetime, e.g. 30d (default: never)', parseExpiry)
    .action(
      action(async (name: string, opts: CommonOptions & { role: Role; team?: string; expires?: number }) => {
        const created = await clientFor(environment, opts).createToken({
          name,
          role: opts.role,
          ...(opts.team && { team: opts.team }),
          ...(opts.expires !== undefined && { expiresInDays: opts.expires }),
        });
        if (opts.json) return printJson(created);
        process.stdout.write(
          `Token ${created.name} (${created.role} in ${created.team}); it is shown only this once:\n  ${created.token}\n`,
        );
      }),
    );

  withCommon(tokens.command('list'))
    .alias('ls')
    .description('tokens of your teams (never their values)')
    .option('--team <team>', 'only this team')
    .action(
      action(async (opts: CommonOptions & { team?: string }) => {
        const list = await clientFor(environment, opts).listTokens(opts.team);
        if (opts.json) return printJson(list);
        printTable(
          list.map((t) => [
            t.name,
            t.role,
            t.team,
            t.createdAt,
            t.lastUsedAt ?? '-',
            t.revokedAt ? 'revoked' : (t.expiresAt ?? 'never'),
          ]),
          ['NAME', 'ROLE', 'TEAM', 'CREATED', 'LAST USED', 'EXPIRES'],
        );
      }),
    );

  withCommon(tokens.command('revoke <name>'))
    .description('revoke a token; the next request with it is refused')
    .option('--team <team>', 'the team (default: yours)')
    .action(
      action(async (name: string, opts: CommonOptions & { team?: string }) => {
        await clientFor(environment, opts).revokeToken(name, opts.team);
        if (opts.json) return printJson({ revoked: name });
        process.stdout.write(`Revoked ${name}\n`);
      }),
    );
}
