import { navigate } from '../routing/navigation.js';

/**
 * Which team a page (the apps overview or the team page) shows; the choice is the address
 * (`/?team=…`, `/team?team=…`), so links keep it.
 */
export function TeamSwitcher({
  teams,
  current,
  page,
}: {
  teams: readonly string[];
  current: string;
  page: 'overview' | 'team';
}) {
  return (
    <div className="field field-inline">
      <label htmlFor="team-switcher">Team</label>
      <select
        id="team-switcher"
        value={current}
        onChange={(e) => navigate({ kind: page, team: e.target.value })}
      >
        {teams.map((team) => (
          <option key={team} value={team}>
            {team}
          </option>
        ))}
      </select>
    </div>
  );
}
