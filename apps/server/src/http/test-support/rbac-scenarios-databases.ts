import assert from 'node:assert/strict';
import { API } from './http.js';
import { GHOST_TEAM } from './rbac-calls.js';
import type { Call, Scenario } from './rbac-scenarios.js';
import type { World } from './rbac-world.js';
import { joinedServerVia } from './servers.js';

/** The RBAC matrix's calls on managed databases (see rbac-scenarios.ts). */

/** The server databases live on: joined once per world (its agent never connects here). */
const homes = new WeakMap<World, Promise<string>>();
const HOME = 'db-home';
const homeOf = (w: World): Promise<string> => {
  let home = homes.get(w);
  if (!home) {
    home = joinedServerVia(w.client, HOME).then(() => HOME);
    homes.set(w, home);
  }
  return home;
};

async function databaseVia(w: World, name: string, team: string, token: string): Promise<void> {
  const res = await w.client.send({
    method: 'POST',
    url: `${API}/databases`,
    body: { name, team, engine: 'redis', server: await homeOf(w) },
    token,
  });
  assert.equal(res.status, 201, res.text);
}

const B_DATABASE = 'b-database';
const made = new WeakMap<World, Promise<void>>();
const ensureBDatabase = (w: World): Promise<void> => {
  let p = made.get(w);
  if (!p) {
    p = databaseVia(w, B_DATABASE, w.teamB.name, w.bOwner.token);
    made.set(w, p);
  }
  return p;
};

const createIn = async (w: World, team: string, n: number): Promise<Call> => ({
  body: { name: `db-${n}`, team, engine: 'postgres', server: await homeOf(w) },
});

/** B's database, and the same call against a team that does not exist. */
const onB =
  (extra: Partial<Call> = {}, app?: string) =>
  (w: World) => ({
    call: { params: { name: B_DATABASE, ...(app && { app }) }, query: `team=${w.teamB.name}`, ...extra },
    ghost: { params: { name: B_DATABASE, ...(app && { app }) }, query: `team=${GHOST_TEAM}`, ...extra },
    swap: [w.teamB.name, GHOST_TEAM] as [string, string],
  });

/** A database in the team and one of the team's apps, for link calls. */
const withApp = async (w: World, n: number, team: string, token: string, linked: boolean) => {
  await databaseVia(w, `ln-${n}`, team, token);
  const app = `ln-app-${n}`;
  const res = await w.client.send({
    method: 'POST',
    url: `${API}/apps`,
    body: { name: app, image: 'nginx:1.27', team },
    token,
  });
  assert.equal(res.status, 201, res.text);
  if (linked) {
    const link = await w.client.send({
      method: 'POST',
      url: `${API}/databases/ln-${n}/links`,
      body: { app, team },
      token,
    });
    assert.equal(link.status, 200, link.text);
  }
  return { name: `ln-${n}`, app };
};

export const DATABASE_SCENARIOS: Record<string, Scenario> = {
  listDatabases: {
    own: async (w) => {
      await ensureBDatabase(w);
      await databaseVia(w, 'a-database', 'default', w.root.token).catch(() => undefined);
      return {};
    },
    other: 'same',
    check: (res, w, { actor }) => {
      const names = (res.json as { databases: { name: string; team: string }[] }).databases.map(
        (d) => `${d.team}/${d.name}`,
      );
      assert.ok(names.includes('default/a-database'), names.join(' '));
      assert.equal(names.includes(`${w.teamB.name}/${B_DATABASE}`), actor.role === 'owner', names.join(' '));
    },
  },
  createDatabase: {
    own: (w, { n }) => createIn(w, 'default', n),
    otherFresh: (w, { n }) => createIn(w, w.teamB.name, n),
    other: (w) => ({
      call: { body: { name: 'db-b', team: w.teamB.name, engine: 'postgres', server: HOME } },
      ghost: { body: { name: 'db-b', team: GHOST_TEAM, engine: 'postgres', server: HOME } },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  getDatabase: {
    own: async (w) => {
      await ensureBDatabase(w);
      await databaseVia(w, 'get-a', 'default', w.root.token).catch(() => undefined);
      return { params: { name: 'get-a' }, query: 'team=default' };
    },
    other: onB(),
  },
  linkDatabase: {
    own: async (w, { n }) => {
      await ensureBDatabase(w);
      const { name, app } = await withApp(w, n, 'default', w.root.token, false);
      return { params: { name }, body: { app, team: 'default' } };
    },
    otherFresh: async (w, { n }) => {
      const { name, app } = await withApp(w, n, w.teamB.name, w.bOwner.token, false);
      return { params: { name }, body: { app, team: w.teamB.name } };
    },
    other: (w) => ({
      call: { params: { name: B_DATABASE }, body: { app: 'ghost-app', team: w.teamB.name } },
      ghost: { params: { name: B_DATABASE }, body: { app: 'ghost-app', team: GHOST_TEAM } },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  unlinkDatabase: {
    own: async (w, { n }) => {
      await ensureBDatabase(w);
      const { name, app } = await withApp(w, n, 'default', w.root.token, true);
      return { params: { name, app }, query: 'team=default' };
    },
    otherFresh: async (w, { n }) => {
      const { name, app } = await withApp(w, n, w.teamB.name, w.bOwner.token, true);
      return { params: { name, app }, query: `team=${w.teamB.name}` };
    },
    other: onB({}, 'ghost-app'),
  },
  deleteDatabase: {
    own: async (w, { n }) => {
      await ensureBDatabase(w);
      await databaseVia(w, `del-${n}`, 'default', w.root.token);
      return { params: { name: `del-${n}` }, query: 'team=default' };
    },
    otherFresh: async (w, { n }) => {
      await databaseVia(w, `del-${n}`, w.teamB.name, w.bOwner.token);
      return { params: { name: `del-${n}` }, query: `team=${w.teamB.name}` };
    },
    other: onB(),
  },
};
