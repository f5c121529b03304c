import { BerthError, type Project, type Team } from '@berth/protocol';
import type { Principal } from '../access/policy.js';
import { roleIn } from '../access/policy.js';
import type { ProjectRow, Repos, Store, TeamRow, TeamSettingsRow } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';

/** Teams own projects, projects group apps. Every team starts with a `default` project. */

const iso = (ms: number): string => new Date(ms).toISOString();

export const toTeamView = (t: TeamRow, p: Principal | null, settings: TeamSettingsRow): Team => ({
  id: t.id,
  name: t.name,
  role: p ? roleIn(p, t.id) : null,
  createdAt: iso(t.createdAt),
  settings: { allowLocalImages: settings.allowLocalImages, buildNetwork: settings.buildNetwork },
});

export const toProjectView = (p: ProjectRow, team: TeamRow): Project => ({
  id: p.id,
  name: p.name,
  team: team.name,
  createdAt: iso(p.createdAt),
});

/** A new team with its default project; a user who creates it becomes its owner. */
export async function createTeam(
  store: Store,
  now: number,
  name: string,
  creator: Principal,
  intent: AuditIntent,
): Promise<TeamRow> {
  return store.transaction(async (tx) => {
    const team: TeamRow = { id: createId('tm'), name, createdAt: now };
    await tx.teams.create(team);
    await tx.projects.create({ id: createId('prj'), teamId: team.id, name: 'default', createdAt: now });
    if (creator.kind === 'user')
      await tx.memberships.put({ userId: creator.id, teamId: team.id, role: 'owner', createdAt: now });
    await recordDone(tx, { ...intent, teamId: team.id, target: `team:${name}` }, now);
    return team;
  });
}

export async function createProject(
  store: Store,
  now: number,
  team: TeamRow,
  name: string,
  intent: AuditIntent,
): Promise<ProjectRow> {
  return store.transaction(async (tx) => {
    const project: ProjectRow = { id: createId('prj'), teamId: team.id, name, createdAt: now };
    await tx.projects.create(project);
    await recordDone(tx, { ...intent, target: `project:${name}` }, now);
    return project;
  });
}

/** The project an app goes into: the named one, or the team's default. */
export async function projectFor(repos: Repos, team: TeamRow, name: string | undefined): Promise<ProjectRow> {
  const project = await repos.projects.getByName(team.id, name ?? 'default');
  if (!project) {
    throw new BerthError(
      'PROJECT_NOT_FOUND',
      `Team ${team.name} has no project named "${name ?? 'default'}"`,
      {
        hint: `Create it with: berth projects create ${name ?? 'default'} --team ${team.name}`,
      },
    );
  }
  return project;
}
