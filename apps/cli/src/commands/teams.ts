import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';

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
    .description('the teams you belong to, with your role (an installation owner: every team)')
    .action(
      action(async (opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listTeams();
        if (opts.json) return printJson(list);
        printTable(
          list.map((t) => [t.name, t.role ?? '-', t.createdAt]),
          ['TEAM', 'ROLE', 'CREATED'],
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
