import { API, type Res } from './http.js';
import type { Scenario } from './rbac-scenarios.js';
import type { World } from './rbac-world.js';

/** Builders of the RBAC matrix's calls that more than one area uses (see rbac-scenarios.ts). */

export const GHOST_TEAM = 'ghost-team';

/** A create whose body names the team. */
export const teamBody = (body: (n: number) => Record<string, unknown>): Scenario => ({
  own: (_w, { n }) => ({ body: { ...body(n), team: 'default' } }),
  otherFresh: (w, { n }) => ({ body: { ...body(n), team: w.teamB.name } }),
  other: (w) => ({
    call: { body: { ...body(0), team: w.teamB.name } },
    ghost: { body: { ...body(0), team: GHOST_TEAM } },
    swap: [w.teamB.name, GHOST_TEAM],
  }),
});

export async function send(w: World, method: 'GET' | 'POST', path: string, token?: string): Promise<Res> {
  return w.client.send({ method, url: `${API}${path}`, ...(token !== undefined && { token }) });
}
