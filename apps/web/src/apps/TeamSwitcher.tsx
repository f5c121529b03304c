import { navigate } from '../routing/navigation.js';

/** Which team's apps the overview lists; its choice is the address (`/?team=…`), so links keep it. */
export function TeamSwitcher({ teams, current }: { teams: readonly string[]; current: string }) {
  return (
    <div className="field field-inline">
      <label htmlFor="team-switcher">Team</label>
      <select
        id="team-switcher"
        value={current}
        onChange={(e) => navigate({ kind: 'overview', team: e.target.value })}
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
