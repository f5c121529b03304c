import { startWakeLoop } from '@berth/io';
import type { Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import { statusOf, type FleetView } from '../deploy/placement.js';
import { appsPlacedOn, moveApp } from './move-replicas.js';

const CHECK_EVERY_MS = 1_000;

/**
 * Reschedules a dead server's replicas: once an active server's agent has been offline for
 * longer than placement's suspect window (placement then calls it `down`), each app with a
 * replica placed there gets a `move` deployment, one transaction per app (one app that fits
 * nowhere else does not hold back the others). Handled once per offline spell; moveApp also
 * refuses a second move while one is queued, so a berthd restart queues none twice. When the
 * server comes back, the desired state it is pushed no longer gives it those slots: its
 * surplus replicas drain and stop; the moved ones stay.
 */
export function startDownWatch(deps: {
  store: Store;
  fleet: FleetView;
  clock: () => number;
  log: FastifyBaseLogger;
  /** Moves were queued: push desired state, wake the deploy worker. */
  onMoved: () => void;
}): { stop(): Promise<void> } {
  const { store, fleet, clock, log } = deps;
  /** Server id → the start (offlineSince) of the offline spell already handled. */
  const handled = new Map<string, number>();

  const check = async (): Promise<void> => {
    const servers = await store.servers.list();
    const anyOnline = servers.some((s) => fleet.isOnline(s.id));
    const now = clock();
    let moved = 0;
    for (const s of servers) {
      if ((s.state !== 'active' && s.state !== 'paused') || fleet.isOnline(s.id)) {
        handled.delete(s.id);
        continue;
      }
      const since = fleet.offlineSince(s.id);
      if (handled.get(s.id) === since || statusOf(s, fleet, anyOnline, now) !== 'down') continue;
      handled.set(s.id, since);
      for (const appId of await appsPlacedOn(store, s.id)) {
        try {
          const d = await store.transaction((tx) => moveApp(tx, fleet, appId, `down:${s.id}`, now));
          if (d) moved += 1;
        } catch (err) {
          log.warn({ err, server: s.name, appId }, 'could not move a replica off a down server');
        }
      }
      if (moved > 0) log.warn({ server: s.name, moved }, 'server is down: its replicas move elsewhere');
    }
    if (moved > 0) deps.onMoved();
  };

  const loop = startWakeLoop({
    pass: async () => {
      await check();
      return CHECK_EVERY_MS;
    },
    onError: (err) => log.error({ err }, 'the down-server watch failed'),
    errorDelayMs: CHECK_EVERY_MS,
  });
  return { stop: () => loop.stop() };
}
