import assert from 'node:assert/strict';
import { API } from './http.js';
import { GHOST_TEAM } from './rbac-calls.js';
import type { Call, Scenario } from './rbac-scenarios.js';
import type { World } from './rbac-world.js';
import { joinedServerVia } from './servers.js';

/** The RBAC matrix's calls on volumes (see rbac-scenarios.ts). */

/** The server volumes live on: joined once per world (its agent never connects here). */
const homes = new WeakMap<World, Promise<string>>();
const HOME = 'vol-home';
const homeOf = (w: World): Promise<string> => {
  let home = homes.get(w);
  if (!home) {
    home = joinedServerVia(w.client, HOME).then(() => HOME);
    homes.set(w, home);
  }
  return home;
};

async function volumeVia(w: World, name: string, team: string, token: string): Promise<void> {
  const res = await w.client.send({
    method: 'POST',
    url: `${API}/volumes`,
    body: { name, team, server: await homeOf(w) },
    token,
  });
  assert.equal(res.status, 201, res.text);
}

const B_VOLUME = 'b-volume';
const bVolume = new WeakMap<World, Promise<void>>();
const ensureBVolume = (w: World): Promise<void> => {
  let made = bVolume.get(w);
  if (!made) {
    made = volumeVia(w, B_VOLUME, w.teamB.name, w.bOwner.token);
    bVolume.set(w, made);
  }
  return made;
};

const createIn = async (w: World, team: string, n: number): Promise<Call> => ({
  body: { name: `vol-${n}`, team, server: await homeOf(w) },
});

export const VOLUME_SCENARIOS: Record<string, Scenario> = {
  listVolumes: {
    own: async (w) => {
      await ensureBVolume(w);
      await volumeVia(w, 'a-volume', 'default', w.root.token).catch(() => undefined);
      return {};
    },
    other: 'same',
    check: (res, w, { actor }) => {
      const names = (res.json as { volumes: { name: string; team: string }[] }).volumes.map(
        (v) => `${v.team}/${v.name}`,
      );
      assert.ok(names.includes('default/a-volume'), names.join(' '));
      assert.equal(names.includes(`${w.teamB.name}/${B_VOLUME}`), actor.role === 'owner', names.join(' '));
    },
  },
  createVolume: {
    own: (w, { n }) => createIn(w, 'default', n),
    otherFresh: (w, { n }) => createIn(w, w.teamB.name, n),
    other: (w) => ({
      call: { body: { name: 'vol-b', team: w.teamB.name, server: HOME } },
      ghost: { body: { name: 'vol-b', team: GHOST_TEAM, server: HOME } },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  deleteVolume: {
    own: async (w, { n }) => {
      await volumeVia(w, `del-${n}`, 'default', w.root.token);
      return { params: { name: `del-${n}` }, query: 'team=default' };
    },
    otherFresh: async (w, { n }) => {
      await volumeVia(w, `del-${n}`, w.teamB.name, w.bOwner.token);
      return { params: { name: `del-${n}` }, query: `team=${w.teamB.name}` };
    },
    other: (w) => ({
      call: { params: { name: B_VOLUME }, query: `team=${w.teamB.name}` },
      ghost: { params: { name: B_VOLUME }, query: `team=${GHOST_TEAM}` },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
};
