import { BerthError } from '@berth/protocol';
import type { DatabaseRow, Repos, TeamRow } from '@berth/store';

/** The team's database of that name, or DATABASE_NOT_FOUND (another team's is not there either). */
export async function requireDatabase(repos: Repos, team: TeamRow, name: string): Promise<DatabaseRow> {
  const row = await repos.databases.getByName(team.id, name);
  if (!row)
    throw new BerthError('DATABASE_NOT_FOUND', `There is no database named "${name}" in team ${team.name}`, {
      hint: 'List databases with: berth db list',
    });
  return row;
}
