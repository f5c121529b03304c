import { ROLES, type Role } from '@berth/protocol';
import { InvalidArgumentError, type Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';
import { readStdin } from '../cli/prompt.js';

export const parseRole = (value: string): Role => {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${ROLES.join(', ')}`);
  return value as Role;
};

export function registerUsers(program: Command, environment: CliEnvironment): void {
  const users = program.command('users').description('people who can log in, and their roles per team');

  withCommon(users.command('create <email>'))
    .description(
      'invite an email into a team, creating its account if it has none; prints a one-time setup token unless --password-stdin',
    )
    .requiredOption('--role <role>', `${ROLES.join(', ')}`, parseRole)
    .option('--team <team>', 'the team (default: yours)')
    .option('--password-stdin', 'set the password now, read from stdin')
    .action(
      action(
        async (
          email: string,
          opts: CommonOptions & { role: Role; team?: string; passwordStdin?: boolean },
        ) => {
          const password = opts.passwordStdin ? await readStdin() : undefined;
          const created = await clientFor(environment, opts).createUser({
            email,
            role: opts.role,
            ...(opts.team && { team: opts.team }),
            ...(password !== undefined && { password }),
          });
          if (opts.json) return printJson(created);
          const { invitation: inv, setup } = created;
          process.stdout.write(
            `Invited ${inv.email} into ${inv.team} as ${inv.role} (until ${inv.expiresAt})\n`,
          );
          // The same words whether or not the email has an account: the answer does not say.
          process.stdout.write(
            setup
              ? `A new account sets its password with this one-time token (valid until ${setup.expiresAt}), which also joins the team:\n  berth password set ${setup.token}\n`
              : 'A new account joins the team when it first logs in.\n',
          );
          process.stdout.write(
            `An existing account joins by logging in and running: berth invitations accept ${inv.team}\n`,
          );
        },
      ),
    );

  withCommon(users.command('list'))
    .alias('ls')
    .description('users of the teams you manage')
    .action(
      action(async (opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listUsers();
        if (opts.json) return printJson(list);
        printTable(
          list.map((u) => [
            u.email,
            u.memberships.map((m) => `${m.team}:${m.role}`).join(' '),
            u.hasPassword ? 'yes' : 'pending',
          ]),
          ['EMAIL', 'TEAMS', 'PASSWORD'],
        );
      }),
    );

  withCommon(users.command('grant <email>'))
    .description("change a member's role in a team, or invite anyone else into it (they accept)")
    .requiredOption('--team <team>', 'the team')
    .requiredOption('--role <role>', `${ROLES.join(', ')}`, parseRole)
    .action(
      action(async (email: string, opts: CommonOptions & { team: string; role: Role }) => {
        const granted = await clientFor(environment, opts).grant(email, opts.team, opts.role);
        if (opts.json) return printJson(granted);
        process.stdout.write(
          'memberships' in granted
            ? `${granted.email} is ${opts.role} in ${opts.team}\n`
            : `Invited ${granted.email} into ${granted.team} as ${granted.role}; they accept with: berth invitations accept ${granted.team}\n`,
        );
      }),
    );

  withCommon(users.command('revoke <email>'))
    .description('remove a user from a team, or withdraw their invitation to it')
    .requiredOption('--team <team>', 'the team')
    .action(
      action(async (email: string, opts: CommonOptions & { team: string }) => {
        await clientFor(environment, opts).revokeMembership(email, opts.team);
        if (opts.json) return printJson({ revoked: true });
        process.stdout.write(`${email} is no longer in ${opts.team}\n`);
      }),
    );

  withCommon(users.command('reset-password <email>'))
    .description('issue a single-use password reset token (there is no mail yet: hand it over yourself)')
    .action(
      action(async (email: string, opts: CommonOptions) => {
        const reset = await clientFor(environment, opts).issuePasswordReset(email);
        if (opts.json) return printJson(reset);
        process.stdout.write(
          `Reset token for ${email}, valid until ${reset.expiresAt}; they run:\n  berth password set ${reset.token}\n`,
        );
      }),
    );
}
