import assert from 'node:assert/strict';
import { createTokenVia } from './principals.js';
import { GHOST_TEAM, teamBody } from './rbac-calls.js';
import type { OtherCall, Scenario } from './rbac-scenarios.js';
import type { World } from './rbac-world.js';

/** The RBAC matrix's calls on teams, their projects and API tokens (see rbac-scenarios.ts). */

const teamQuery = (own: Scenario['own'], params: (w: World) => Record<string, string> = () => ({})) => ({
  own,
  other: (w: World): OtherCall => ({
    call: { params: params(w), query: `team=${w.teamB.name}` },
    ghost: { params: params(w), query: `team=${GHOST_TEAM}` },
    swap: [w.teamB.name, GHOST_TEAM],
  }),
});
/** A call naming the team in the path: `default`, or B. */
const teamParam = (body?: unknown): Scenario => ({
  own: () => ({ params: { team: 'default' }, ...(body !== undefined && { body }) }),
  other: (w) => ({
    call: { params: { team: w.teamB.name }, ...(body !== undefined && { body }) },
    ghost: { params: { team: GHOST_TEAM }, ...(body !== undefined && { body }) },
    swap: [w.teamB.name, GHOST_TEAM],
  }),
});

export const TEAM_SCENARIOS: Record<string, Scenario> = {
  createTeam: { own: (_w, { n }) => ({ body: { name: `team-${n}` } }) },
  listTeams: {
    own: () => ({}),
    other: 'same',
    check(res, w, { actor }) {
      const teams = (res.json as { teams: { name: string; role: string }[] }).teams;
      assert.ok(teams.some((t) => t.name === 'default' && t.role === actor.role));
      // An installation owner manages every team, as its owner.
      if (actor.role === 'owner') assert.ok(teams.some((t) => t.name === w.teamB.name && t.role === 'owner'));
      else assert.ok(!teams.some((t) => t.name === w.teamB.name));
    },
  },
  getTeam: teamParam(),
  updateTeamSettings: teamParam({ buildNetwork: 'egress' }),
  setLocalImages: { own: () => ({ params: { team: 'default' }, body: { allowed: true } }) },
  createProject: teamBody((n) => ({ name: `prj-${n}` })),
  listProjects: teamQuery(() => ({ query: 'team=default' })),
  listTokens: teamQuery(() => ({ query: 'team=default' })),
  // Not following: the answer ends after its ready message (following is api-events.int.test.ts).
  streamEvents: {
    own: () => ({ query: 'team=default&follow=false' }),
    other: (w: World): OtherCall => ({
      call: { query: `team=${w.teamB.name}&follow=false` },
      ghost: { query: `team=${GHOST_TEAM}&follow=false` },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  createToken: teamBody((n) => ({ name: `tok-${n}`, role: 'viewer' })),
  revokeToken: {
    ...teamQuery(
      async (w, { n }) => {
        const victim = await createTokenVia(w.client, { name: `victim-${n}`, role: 'viewer' });
        return { params: { name: victim.name }, query: 'team=default' };
      },
      (w) => ({ name: w.bOwner.name }),
    ),
    async otherFresh(w, { n }) {
      const input = { name: `victim-${n}`, role: 'viewer' as const, team: w.teamB.name };
      const victim = await createTokenVia(w.client, input, w.bOwner.token);
      return { params: { name: victim.name }, query: `team=${w.teamB.name}` };
    },
  },
};
