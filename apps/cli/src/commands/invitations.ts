import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';

/** Invitations into teams: yours to accept or decline, or a team's pending ones. */
export function registerInvitations(program: Command, environment: CliEnvironment): void {
  const invitations = program
    .command('invitations')
    .description('invitations into teams: an account joins a team by accepting one');

  withCommon(invitations.command('list'))
    .alias('ls')
    .description('your pending invitations; with --team, the pending invitations of a team you manage')
    .option('--team <team>', 'a team you own or administer')
    .action(
      action(async (opts: CommonOptions & { team?: string }) => {
        const client = clientFor(environment, opts);
        const list = opts.team ? await client.listTeamInvitations(opts.team) : await client.listInvitations();
        if (opts.json) return printJson(list);
        printTable(
          list.map((i) => [i.team, i.email, i.role, i.invitedBy ?? '-', i.expiresAt]),
          ['TEAM', 'EMAIL', 'ROLE', 'INVITED BY', 'EXPIRES'],
        );
      }),
    );

  withCommon(invitations.command('accept <team>'))
    .description('join the team with the role you were invited with (logged in as yourself)')
    .action(
      action(async (team: string, opts: CommonOptions) => {
        const membership = await clientFor(environment, opts).acceptInvitation(team);
        if (opts.json) return printJson(membership);
        process.stdout.write(`You are ${membership.role} in ${membership.team}\n`);
      }),
    );

  withCommon(invitations.command('decline <team>'))
    .description('decline an invitation; it is gone afterwards')
    .action(
      action(async (team: string, opts: CommonOptions) => {
        await clientFor(environment, opts).declineInvitation(team);
        if (opts.json) return printJson({ declined: true, team });
        process.stdout.write(`Declined the invitation to ${team}\n`);
      }),
    );
}
