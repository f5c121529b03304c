import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { resolveConnection } from '../cli/connection.js';
import { forgetSession, saveSession } from '../cli/credentials.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';
import { ask, askHidden, readStdin } from '../cli/prompt.js';

interface LoginOptions extends CommonOptions {
  email?: string;
  passwordStdin?: boolean;
}

export function registerSession(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('login'))
    .description('log in as a user; the CLI then acts as that user until `berth logout`')
    .option('--email <email>', 'your email (asked for when missing)')
    .addHelpText(
      'after',
      '\nFrom another machine: berth login --url https://HOST:PORT --fingerprint sha256:… (both as berth up printed them)',
    )
    .option('--password-stdin', 'read the password from stdin instead of asking')
    .action(
      action(async (opts: LoginOptions) => {
        const email = opts.email ?? (await ask('Email: '));
        const password = opts.passwordStdin ? await readStdin() : await askHidden('Password: ');
        const { url, fingerprint } = resolveConnection({ ...opts, token: '' }, environment);
        const session = await clientFor(environment, { ...opts, token: '' }).login(email, password);
        // The pin is kept with the session: later commands to this URL verify against the same CA.
        saveSession(environment, url, {
          token: session.token ?? '',
          email: session.user.email,
          expiresAt: session.expiresAt,
          ...(fingerprint && { fingerprint }),
        });
        if (opts.json)
          return printJson({
            email: session.user.email,
            expiresAt: session.expiresAt,
            memberships: session.user.memberships,
          });
        process.stdout.write(`Logged in to ${url} as ${session.user.email} until ${session.expiresAt}\n`);
        if (fingerprint) process.stdout.write(`Pinned berthd's CA ${fingerprint} for ${url}\n`);
        const pending = await clientFor(environment, { ...opts, token: session.token ?? '' })
          .listInvitations()
          .catch(() => []);
        if (pending.length > 0) {
          const teams = pending.map((i) => i.team).join(', ');
          process.stdout.write(
            `You are invited into ${teams}: berth invitations list, then berth invitations accept TEAM\n`,
          );
        }
      }),
    );

  withCommon(program.command('logout'))
    .description('end the login session of this CLI')
    .action(
      action(async (opts: CommonOptions) => {
        const { url } = resolveConnection(opts, environment);
        await clientFor(environment, opts)
          .logout()
          .catch(() => undefined);
        const forgot = forgetSession(environment, url);
        if (opts.json) return printJson({ loggedOut: forgot });
        process.stdout.write(forgot ? `Logged out of ${url}\n` : `No login session for ${url}\n`);
      }),
    );

  withCommon(program.command('whoami'))
    .description('who the CLI acts as, and its roles')
    .action(
      action(async (opts: CommonOptions) => {
        const me = await clientFor(environment, opts).whoami();
        if (opts.json) return printJson(me);
        const owner = me.installationOwner ? ' (installation owner: manages every team)' : '';
        process.stdout.write(`${me.kind === 'user' ? 'user' : 'token'} ${me.name}${owner}\n`);
        printTable(
          me.memberships.map((m) => [m.team, m.role]),
          ['TEAM', 'ROLE'],
        );
      }),
    );

  const password = program.command('password').description('set a password with a one-time token');
  withCommon(password.command('set <one-time-token>'))
    .description('set your password with the setup or reset token an admin gave you')
    .option('--password-stdin', 'read the new password from stdin instead of asking')
    .action(
      action(async (oneTimeToken: string, opts: CommonOptions & { passwordStdin?: boolean }) => {
        const pw = opts.passwordStdin
          ? await readStdin()
          : await askHidden('New password (10+ characters): ');
        // The one-time token is the credential here: no API token is sent.
        await clientFor(environment, { ...opts, token: '' }).setPassword(oneTimeToken, pw);
        if (opts.json) return printJson({ passwordSet: true });
        process.stdout.write('Password set. Log in with: berth login\n');
      }),
    );
}
