import {
  BerthError,
  MAX_SERVER_LABELS,
  type PendingJoin,
  type ServerDetail,
  type ServerLabelsPatch,
} from '@berth/protocol';
import type { JoinTokenRow, Repos, ServerRow, Store } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import type { FleetView } from '../deploy/placement.js';
import { moveReplicasOff } from './move-replicas.js';

/**
 * What an installation owner does to a server: remove it (its key is refused from then on),
 * approve a new key that claimed it, drain and undrain it. Each change is audited in the
 * transaction that makes it; closing a live agent link is the caller's, after the commit.
 */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const toServerDetail = (s: ServerRow, online: boolean): ServerDetail => ({
  id: s.id,
  name: s.name,
  state: s.state,
  status: online ? 'online' : 'offline',
  lastSeenAt: iso(s.lastSeenAt),
  labels: s.labels,
  capacity: s.capacity,
  agentVersion: s.agentVersion,
  privateIp: s.privateIp,
  pendingKey: s.pendingPublicKey !== null,
});

export const toPendingJoin = (t: JoinTokenRow): PendingJoin => ({
  name: t.serverName,
  labels: t.labels,
  expiresAt: new Date(t.expiresAt).toISOString(),
});

const notFound = (name: string): BerthError =>
  new BerthError('SERVER_NOT_FOUND', `There is no server named "${name}"`, {
    hint: 'List them with: berth servers list',
  });

export async function findServer(repos: Repos, name: string): Promise<ServerRow> {
  const server = await repos.servers.findByName(name);
  if (!server) throw notFound(name);
  return server;
}

/**
 * Removes the server (or, when none has joined yet, its pending join): the row stays, `removed`,
 * so its key — unique among all servers, removed ones too — can never connect or join again.
 * Returns the removed server's id, null when only a pending join was withdrawn.
 */
export async function removeServer(
  store: Store,
  now: number,
  name: string,
  intent: AuditIntent,
): Promise<string | null> {
  return store.transaction(async (tx) => {
    const server = await tx.servers.findByName(name);
    const withdrawn = await tx.joinTokens.revokePending(name, now);
    if (!server && withdrawn === 0) throw notFound(name);
    if (server) {
      await tx.servers.setState(server.id, 'removed');
      await tx.servers.setPendingKey(server.id, null);
    }
    await recordDone(tx, { ...intent, detail: { server: server !== null, pendingJoins: withdrawn } }, now);
    return server?.id ?? null;
  });
}

/** The key that claimed the server becomes its key; a server paused for it is active again. */
export async function approveServerKey(
  store: Store,
  now: number,
  name: string,
  intent: AuditIntent,
): Promise<ServerRow> {
  return store.transaction(async (tx) => {
    const server = await findServer(tx, name);
    const pending = server.pendingPublicKey;
    if (pending === null)
      throw new BerthError('SERVER_NO_PENDING_KEY', `No new key has claimed server "${name}"`, {
        hint: 'A key is pending when an agent with another key connects as this server: see berth servers show',
      });
    const holder = await tx.servers.findByPublicKey(pending);
    if (holder)
      throw new BerthError('SERVER_EXISTS', `The pending key already belongs to server "${holder.name}"`);
    await tx.servers.approvePendingKey(server.id);
    if (server.state === 'paused') await tx.servers.setState(server.id, 'active');
    await recordDone(tx, intent, now);
    return server;
  });
}

/**
 * `draining`: placement gives it nothing new (and moves its replicas away). Undrain puts it back
 * to `active`; for a server paused by a new key, that keeps the old key and forgets the new one.
 */
export async function setDraining(
  store: Store,
  fleet: FleetView,
  now: number,
  name: string,
  draining: boolean,
  intent: AuditIntent,
): Promise<ServerRow> {
  return store.transaction(async (tx) => {
    const server = await findServer(tx, name);
    const state = draining ? 'draining' : 'active';
    await tx.servers.setState(server.id, state);
    const forgot = !draining && server.state === 'paused' && server.pendingPublicKey !== null;
    if (forgot) await tx.servers.setPendingKey(server.id, null);
    // Undrained, a server takes new replicas again; what moved away stays where it went.
    const moves = draining ? await moveReplicasOff(tx, fleet, server.id, now) : [];
    await recordDone(
      tx,
      { ...intent, detail: { from: server.state, to: state, forgotPendingKey: forgot, moves: moves.length } },
      now,
    );
    return { ...server, state, pendingPublicKey: forgot ? null : server.pendingPublicKey };
  });
}

/** Sets and removes labels; the server keeps the others. Placement reads them on its next pass. */
export async function patchServerLabels(
  store: Store,
  now: number,
  name: string,
  patch: ServerLabelsPatch,
  intent: AuditIntent,
): Promise<ServerRow> {
  return store.transaction(async (tx) => {
    const server = await findServer(tx, name);
    const labels = { ...server.labels, ...patch.set };
    for (const key of patch.unset ?? []) delete labels[key];
    if (Object.keys(labels).length > MAX_SERVER_LABELS)
      throw new BerthError('VALIDATION_FAILED', `A server has at most ${MAX_SERVER_LABELS} labels`, {
        issues: [{ path: 'set', message: `at most ${MAX_SERVER_LABELS} labels in all` }],
      });
    await tx.servers.setLabels(server.id, labels);
    await recordDone(
      tx,
      {
        ...intent,
        detail: { set: Object.keys(patch.set ?? {}).join(','), unset: (patch.unset ?? []).join(',') },
      },
      now,
    );
    return { ...server, labels };
  });
}
