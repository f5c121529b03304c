import type { Team } from '@berth/protocol';
import { InvalidArgumentError, type Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';

const TEAM_COLUMNS = ['TEAM', 'ROLE', 'LOCAL IMAGES', 'BUILD NETWORK', 'CREATED'];
const teamRow = (t: Team): string[] => [
  t.name,
  t.role ?? '-',
  t.settings.allowLocalImages ? 'allowed' : 'no',
  t.settings.buildNetwork,
  t.createdAt,
];

function parseOnOff(value: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new InvalidArgumentError('must be on or off');
}

export function registerTeams(program: Command, environment: CliEnvironment): void {
  const teams = program.command('teams').description('teams: who owns which apps');
  withCommon(teams.command('create <name>'))
    .description(
      'create a team (installation owners, who manage every team; a user who creates it is also its owner)',
    )
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const team = await clientFor(environment, opts).createTeam(name);
        if (opts.json) return printJson(team);
        process.stdout.write(`Created team ${team.name}\n`);
      }),
    );
  withCommon(teams.command('list'))
    .alias('ls')
    .description(
      'the teams you belong to (an installation owner: every team), with your role and their settings',
    )
    .action(
      action(async (opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listTeams();
        if (opts.json) return printJson(list);
        printTable(list.map(teamRow), TEAM_COLUMNS);
      }),
    );
  withCommon(teams.command('show <team>'))
    .description('a team and its settings (installation owners see every team)')
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const team = await clientFor(environment, opts).getTeam(name);
        if (opts.json) return printJson(team);
        printTable([teamRow(team)], TEAM_COLUMNS);
      }),
    );
  withCommon(teams.command('allow-local-images <team>'))
    .description("let a team deploy the host's own images (localhost/…); installation owners only")
    .option('--off', 'take the permission away again')
    .action(
      action(async (name: string, opts: CommonOptions & { off?: boolean }) => {
        const allow = opts.off !== true;
        const team = await clientFor(environment, opts).setLocalImages(name, allow);
        if (opts.json) return printJson(team);
        process.stdout.write(
          allow
            ? `Team ${team.name} may deploy images of this host's engine (localhost/…)\n`
            : `Team ${team.name} may no longer deploy images of this host's engine; what runs keeps running\n`,
        );
      }),
    );
  withCommon(teams.command('set <team>'))
    .description("change a team's settings (its owners and admins, or installation owners)")
    .requiredOption(
      '--build-egress <on|off>',
      "whether the team's build steps may reach the network",
      parseOnOff,
    )
    .action(
      action(async (name: string, opts: CommonOptions & { buildEgress: boolean }) => {
        const team = await clientFor(environment, opts).updateTeamSettings(name, {
          buildNetwork: opts.buildEgress ? 'egress' : 'none',
        });
        if (opts.json) return printJson(team);
        process.stdout.write(
          `Build steps of team ${team.name} ${opts.buildEgress ? 'may reach the network' : 'have no network'}\n`,
        );
      }),
    );

  const projects = program.command('projects').description("projects group a team's apps");
  withCommon(projects.command('create <name>'))
    .description('create a project in a team')
    .option('--team <team>', 'the team (default: yours)')
    .action(
      action(async (name: string, opts: CommonOptions & { team?: string }) => {
        const project = await clientFor(environment, opts).createProject(name, opts.team);
        if (opts.json) return printJson(project);
        process.stdout.write(`Created project ${project.name} in ${project.team}\n`);
      }),
    );
  withCommon(projects.command('list'))
    .alias('ls')
    .description("a team's projects")
    .option('--team <team>', 'the team (default: yours)')
    .action(
      action(async (opts: CommonOptions & { team?: string }) => {
        const list = await clientFor(environment, opts).listProjects(opts.team);
        if (opts.json) return printJson(list);
        printTable(
          list.map((p) => [p.name, p.team, p.createdAt]),
          ['PROJECT', 'TEAM', 'CREATED'],
        );
      }),
    );
}
