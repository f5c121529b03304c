import assert from 'node:assert/strict';
import { API } from './http.js';
import { GHOST_TEAM } from './rbac-calls.js';
import type { Call, Scenario } from './rbac-scenarios.js';
import type { World } from './rbac-world.js';
import { joinedServerVia } from './servers.js';
import { s3TargetVia, verifiedBackupRow, verifiedDatabaseBackupRow } from './backups.js';

/** The RBAC matrix's calls on backup targets and volume backups (see rbac-scenarios.ts). */

const HOME = 'bak-home';
/** Per world and team: a volume and a database on a joined server (whose agent never connects) and a target. */
const made = new WeakMap<World, Map<string, Promise<void>>>();
const VOLUME = 'bak-vol';
const TARGET = 'bak-target';
const DATABASE = 'bak-db';

function ensureIn(w: World, team: string, token: string): Promise<void> {
  let byTeam = made.get(w);
  if (!byTeam) {
    byTeam = new Map();
    made.set(w, byTeam);
  }
  let p = byTeam.get(team);
  if (!p) {
    const home = byTeam.get('') ?? joinedServerVia(w.client, HOME).then(() => undefined);
    byTeam.set('', home);
    p = home.then(async () => {
      const res = await w.client.send({
        method: 'POST',
        url: `${API}/volumes`,
        body: { name: VOLUME, team, server: HOME },
        token,
      });
      assert.equal(res.status, 201, res.text);
      const db = await w.client.send({
        method: 'POST',
        url: `${API}/databases`,
        body: { name: DATABASE, engine: 'redis', team, server: HOME },
        token,
      });
      assert.equal(db.status, 201, db.text);
      await s3TargetVia(w.client, TARGET, team, token);
    });
    byTeam.set(team, p);
  }
  return p;
}

const ownSetup = (w: World): Promise<void> => ensureIn(w, 'default', w.root.token);
const bSetup = (w: World): Promise<void> => ensureIn(w, w.teamB.name, w.bOwner.token);

const targetIn = (team: string, n: number): Call => ({
  body: {
    name: `t-${n}`,
    team,
    s3: {
      endpoint: 'https://s3.example.com',
      bucket: 'berth-test',
      accessKeyId: 'AKIDTEST',
      secretAccessKey: 'never-returned-secret',
    },
  },
});

export const BACKUP_SCENARIOS: Record<string, Scenario> = {
  listBackupTargets: {
    own: async (w) => {
      await ownSetup(w);
      await bSetup(w);
      return {};
    },
    other: 'same',
    check: (res, w, { actor }) => {
      assert.ok(!res.text.includes('never-returned-secret'), 'no credential');
      const names = (res.json as { targets: { name: string; team: string }[] }).targets.map(
        (t) => `${t.team}/${t.name}`,
      );
      assert.ok(names.includes(`default/${TARGET}`), names.join(' '));
      assert.equal(names.includes(`${w.teamB.name}/${TARGET}`), actor.role === 'owner', names.join(' '));
    },
  },
  createBackupTarget: {
    own: (_w, { n }) => targetIn('default', n),
    otherFresh: (w, { n }) => targetIn(w.teamB.name, n),
    other: (w) => ({
      call: targetIn(w.teamB.name, 0),
      ghost: targetIn(GHOST_TEAM, 0),
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  deleteBackupTarget: {
    own: async (w, { n }) => {
      await s3TargetVia(w.client, `del-${n}`, 'default', w.root.token);
      return { params: { name: `del-${n}` }, query: 'team=default' };
    },
    otherFresh: async (w, { n }) => {
      await s3TargetVia(w.client, `del-${n}`, w.teamB.name, w.bOwner.token);
      return { params: { name: `del-${n}` }, query: `team=${w.teamB.name}` };
    },
    other: (w) => ({
      call: { params: { name: TARGET }, query: `team=${w.teamB.name}` },
      ghost: { params: { name: TARGET }, query: `team=${GHOST_TEAM}` },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  listVolumeBackups: {
    own: async (w) => {
      await ownSetup(w);
      return { params: { name: VOLUME }, query: 'team=default' };
    },
    otherFresh: async (w) => {
      await bSetup(w);
      return { params: { name: VOLUME }, query: `team=${w.teamB.name}` };
    },
    other: (w) => ({
      call: { params: { name: VOLUME }, query: `team=${w.teamB.name}` },
      ghost: { params: { name: VOLUME }, query: `team=${GHOST_TEAM}` },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  runVolumeBackup: {
    own: async (w) => {
      await ownSetup(w);
      return { params: { name: VOLUME }, body: { target: TARGET, team: 'default' } };
    },
    otherFresh: async (w) => {
      await bSetup(w);
      return { params: { name: VOLUME }, body: { target: TARGET, team: w.teamB.name } };
    },
    other: (w) => ({
      call: { params: { name: VOLUME }, body: { target: TARGET, team: w.teamB.name } },
      ghost: { params: { name: VOLUME }, body: { target: TARGET, team: GHOST_TEAM } },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  listDatabaseBackups: {
    own: async (w) => {
      await ownSetup(w);
      return { params: { name: DATABASE }, query: 'team=default' };
    },
    otherFresh: async (w) => {
      await bSetup(w);
      return { params: { name: DATABASE }, query: `team=${w.teamB.name}` };
    },
    other: (w) => ({
      call: { params: { name: DATABASE }, query: `team=${w.teamB.name}` },
      ghost: { params: { name: DATABASE }, query: `team=${GHOST_TEAM}` },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  runDatabaseBackup: {
    own: async (w) => {
      await ownSetup(w);
      return { params: { name: DATABASE }, body: { target: TARGET, team: 'default' } };
    },
    otherFresh: async (w) => {
      await bSetup(w);
      return { params: { name: DATABASE }, body: { target: TARGET, team: w.teamB.name } };
    },
    other: (w) => ({
      call: { params: { name: DATABASE }, body: { target: TARGET, team: w.teamB.name } },
      ghost: { params: { name: DATABASE }, body: { target: TARGET, team: GHOST_TEAM } },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  restoreVolume: {
    own: async (w) => {
      await ownSetup(w);
      const team = await w.api.store.teams.getByName('default');
      const id = await verifiedBackupRow(w.api.store, team?.id ?? '', VOLUME, TARGET);
      return { params: { name: VOLUME }, body: { backup: id, team: 'default' } };
    },
    otherFresh: async (w) => {
      await bSetup(w);
      const id = await verifiedBackupRow(w.api.store, w.teamB.id, VOLUME, TARGET);
      return { params: { name: VOLUME }, body: { backup: id, team: w.teamB.name } };
    },
    other: (w) => ({
      call: { params: { name: VOLUME }, body: { backup: `bak_${'c'.repeat(20)}`, team: w.teamB.name } },
      ghost: { params: { name: VOLUME }, body: { backup: `bak_${'c'.repeat(20)}`, team: GHOST_TEAM } },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  restoreDatabase: {
    own: async (w) => {
      await ownSetup(w);
      const team = await w.api.store.teams.getByName('default');
      const id = await verifiedDatabaseBackupRow(w.api.store, team?.id ?? '', DATABASE, TARGET);
      return { params: { name: DATABASE }, body: { backup: id, to: 'bak-db-copy', team: 'default' } };
    },
    otherFresh: async (w) => {
      await bSetup(w);
      const id = await verifiedDatabaseBackupRow(w.api.store, w.teamB.id, DATABASE, TARGET);
      return { params: { name: DATABASE }, body: { backup: id, to: 'bak-db-copy', team: w.teamB.name } };
    },
    other: (w) => ({
      call: {
        params: { name: DATABASE },
        body: { backup: `bak_${'c'.repeat(20)}`, to: 'bak-db-copy', team: w.teamB.name },
      },
      ghost: {
        params: { name: DATABASE },
        body: { backup: `bak_${'c'.repeat(20)}`, to: 'bak-db-copy', team: GHOST_TEAM },
      },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  getBackup: {
    own: async (w) => {
      await ownSetup(w);
      const team = await w.api.store.teams.getByName('default');
      const id = await verifiedBackupRow(w.api.store, team?.id ?? '', VOLUME, TARGET);
      return { params: { id }, query: 'team=default' };
    },
    otherFresh: async (w) => {
      await bSetup(w);
      const id = await verifiedBackupRow(w.api.store, w.teamB.id, VOLUME, TARGET);
      return { params: { id }, query: `team=${w.teamB.name}` };
    },
    other: (w) => ({
      call: { params: { id: `bak_${'c'.repeat(20)}` }, query: `team=${w.teamB.name}` },
      ghost: { params: { id: `bak_${'c'.repeat(20)}` }, query: `team=${GHOST_TEAM}` },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  listBackupSchedules: {
    own: async (w) => {
      await ownSetup(w);
      await bSetup(w);
      await scheduleIn(w, 'default', w.root.token);
      await scheduleIn(w, w.teamB.name, w.bOwner.token);
      return {};
    },
    other: 'same',
    check: (res, w, { actor }) => {
      const names = (res.json as { schedules: { team: string; source: { name: string } }[] }).schedules.map(
        (s) => `${s.team}/${s.source.name}`,
      );
      assert.ok(names.includes(`default/${VOLUME}`), names.join(' '));
      assert.equal(names.includes(`${w.teamB.name}/${VOLUME}`), actor.role === 'owner', names.join(' '));
    },
  },
  setBackupSchedule: {
    own: async (w) => {
      await ownSetup(w);
      return { body: scheduleBody('default') };
    },
    otherFresh: async (w) => {
      await bSetup(w);
      return { body: scheduleBody(w.teamB.name) };
    },
    other: (w) => ({
      call: { body: scheduleBody(w.teamB.name) },
      ghost: { body: scheduleBody(GHOST_TEAM) },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  deleteBackupSchedule: {
    own: async (w) => {
      await ownSetup(w);
      await scheduleIn(w, 'default', w.root.token);
      return { params: { source: VOLUME }, query: `target=${TARGET}&team=default` };
    },
    otherFresh: async (w) => {
      await bSetup(w);
      await scheduleIn(w, w.teamB.name, w.bOwner.token);
      return { params: { source: VOLUME }, query: `target=${TARGET}&team=${w.teamB.name}` };
    },
    other: (w) => ({
      call: { params: { source: VOLUME }, query: `target=${TARGET}&team=${w.teamB.name}` },
      ghost: { params: { source: VOLUME }, query: `target=${TARGET}&team=${GHOST_TEAM}` },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
};

const scheduleBody = (team: string) => ({ source: VOLUME, target: TARGET, cron: '0 3 * * *', keep: 7, team });

/** Sets (or sets again: it replaces) the volume's schedule in a team. */
async function scheduleIn(w: World, team: string, token: string): Promise<void> {
  const res = await w.client.send({
    method: 'PUT',
    url: `${API}/backup-schedules`,
    body: scheduleBody(team),
    token,
  });
  assert.equal(res.status, 200, res.text);
}
