import assert from 'node:assert/strict';
import { API } from './http.js';
import { GHOST_TEAM } from './rbac-calls.js';
import type { Call, Scenario } from './rbac-scenarios.js';
import type { World } from './rbac-world.js';

/**
 * The RBAC matrix's calls on notification webhooks (see rbac-scenarios.ts). Channels are made by
 * the installation owner, pointed at a closed loopback port (allowed private, so a test send is
 * refused at once by the kernel, with nothing listening anywhere).
 */

const CLOSED = 'http://127.0.0.1:9/berth';

async function channelVia(w: World, team: string): Promise<string> {
  const res = await w.client.send({
    method: 'POST',
    url: `${API}/notifications/channels`,
    body: { url: CLOSED, team, allowPrivate: true },
    token: w.root.token,
  });
  assert.equal(res.status, 201, res.text);
  return (res.json as { channel: { id: string } }).channel.id;
}

const bChannels = new WeakMap<World, Promise<string>>();
const bChannel = (w: World): Promise<string> => {
  let made = bChannels.get(w);
  if (!made) {
    made = channelVia(w, w.teamB.name);
    bChannels.set(w, made);
  }
  return made;
};
const aChannels = new WeakMap<World, Promise<string>>();
const aChannel = (w: World): Promise<string> => {
  let made = aChannels.get(w);
  if (!made) {
    made = channelVia(w, 'default');
    aChannels.set(w, made);
  }
  return made;
};

const createIn = (team: string): Call => ({ body: { url: 'https://hooks.example.test/berth', team } });

/** A call on B's channel, and the same naming a team that does not exist. */
const onB = (w: World, id: string) => ({
  call: { params: { id }, query: `team=${w.teamB.name}` },
  ghost: { params: { id }, query: `team=${GHOST_TEAM}` },
  swap: [w.teamB.name, GHOST_TEAM] as [string, string],
});

/** B's channel id is known before `other` runs: made in the list scenario's setup, or here. */
const knownB = new WeakMap<World, string>();

export const NOTIFICATION_SCENARIOS: Record<string, Scenario> = {
  listNotificationChannels: {
    own: async (w) => {
      knownB.set(w, await bChannel(w));
      await aChannel(w);
      return {};
    },
    other: 'same',
    check: (res, w, { actor }) => {
      const teams = (res.json as { channels: { team: string }[] }).channels.map((c) => c.team);
      const manages = actor.role === 'owner' || actor.role === 'admin';
      assert.equal(teams.includes('default'), manages, teams.join(' '));
      assert.equal(teams.includes(w.teamB.name), actor.role === 'owner', teams.join(' '));
    },
  },
  createNotificationChannel: {
    own: () => createIn('default'),
    otherFresh: (w) => createIn(w.teamB.name),
    other: (w) => ({
      call: createIn(w.teamB.name),
      ghost: createIn(GHOST_TEAM),
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
  deleteNotificationChannel: {
    own: async (w) => ({ params: { id: await channelVia(w, 'default') }, query: 'team=default' }),
    otherFresh: async (w) => ({
      params: { id: await channelVia(w, w.teamB.name) },
      query: `team=${w.teamB.name}`,
    }),
    other: (w) => onB(w, knownB.get(w) ?? 'nch_aaaaaaaaaaaaaaaaaaaa'),
  },
  testNotificationChannel: {
    own: async (w) => ({ params: { id: await aChannel(w) }, query: 'team=default' }),
    otherFresh: async (w) => ({ params: { id: await bChannel(w) }, query: `team=${w.teamB.name}` }),
    other: (w) => onB(w, knownB.get(w) ?? 'nch_aaaaaaaaaaaaaaaaaaaa'),
    check: (res) => {
      const d = res.json as { status: string; type: string; lastError: string | null };
      assert.deepEqual([d.type, d.status], ['notification.test', 'failed']);
      assert.match(d.lastError ?? '', /ECONNREFUSED/);
    },
  },
  listNotificationDeliveries: {
    own: () => ({ query: 'limit=50' }),
    other: 'same',
  },
};
