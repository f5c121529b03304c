import { BerthError } from '@berth/protocol';
import { sql } from 'kysely';
import { isUniqueViolation } from '../db-errors.js';
import { parseEnv, toJson } from '../json.js';
import type { ServersRecord } from '../schema.js';
import type { ServerRepo, ServerRow, ServerState } from '../types-fleet.js';
import type { Db } from './db.js';

export function createServerRepo(db: Db): ServerRepo {
  return {
    async get(id) {
      const r = await db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toServerRow(r) : null;
    },

    async findByPublicKey(publicKey) {
      const r = await db
        .selectFrom('servers')
        .selectAll()
        .where('public_key', '=', publicKey)
        .executeTakeFirst();
      return r ? toServerRow(r) : null;
    },

    async findByName(name) {
      const r = await db
        .selectFrom('servers')
        .selectAll()
        .where('name', '=', name)
        .where('state', '<>', 'removed')
        .executeTakeFirst();
      return r ? toServerRow(r) : null;
    },

    async create(row) {
      try {
        await db
          .insertInto('servers')
          .values({
            id: row.id,
            name: row.name,
            public_key: row.publicKey,
            sealing_key: row.sealingKey,
            created_at: row.createdAt,
            last_seen_at: row.lastSeenAt,
            labels: toJson(row.labels ?? {}),
            cpu_millis: row.capacity?.cpuMillis ?? null,
            memory_mib: row.capacity?.memoryMib ?? null,
            agent_version: row.agentVersion ?? null,
            private_ip: row.privateIp ?? null,
            mesh_public_key: row.mesh?.publicKey ?? null,
            mesh_endpoint: row.mesh?.endpoint ?? null,
          })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err, 'servers', ['name'], 'servers_live_name_unique')) {
          throw new BerthError('SERVER_EXISTS', `A server named "${row.name}" already exists`, {
            hint: 'Choose another name, or remove that server first: berth servers remove NAME',
            cause: err,
          });
        }
        throw err;
      }
    },

    async recordHello(id, hello) {
      await db
        .updateTable('servers')
        .set({
          sealing_key: hello.sealingKey,
          agent_version: hello.agentVersion,
          cpu_millis: hello.capacity?.cpuMillis ?? null,
          memory_mib: hello.capacity?.memoryMib ?? null,
          private_ip: hello.privateIp,
          mesh_public_key: hello.mesh?.publicKey ?? null,
          mesh_endpoint: hello.mesh?.endpoint ?? null,
        })
        .where('id', '=', id)
        .execute();
    },

    async setState(id, state) {
      await db.updateTable('servers').set({ state }).where('id', '=', id).execute();
    },

    async setLabels(id, labels) {
      await db
        .updateTable('servers')
        .set({ labels: toJson(labels) })
        .where('id', '=', id)
        .execute();
    },

    async setPendingKey(id, publicKey) {
      await db.updateTable('servers').set({ pending_public_key: publicKey }).where('id', '=', id).execute();
    },

    async approvePendingKey(id) {
      const r = await db
        .updateTable('servers')
        .set({ public_key: sql<string>`pending_public_key`, pending_public_key: null })
        .where('id', '=', id)
        .where('pending_public_key', 'is not', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async bumpDesiredVersions() {
      await db
        .updateTable('servers')
        .set((eb) => ({ desired_version: eb('desired_version', '+', eb.lit(1)) }))
        .execute();
    },

    async setLastSeen(id, at) {
      await db.updateTable('servers').set({ last_seen_at: at }).where('id', '=', id).execute();
    },

    async setSealingKey(id, sealingKey) {
      await db.updateTable('servers').set({ sealing_key: sealingKey }).where('id', '=', id).execute();
    },

    async assignMeshIp(id, ip) {
      try {
        const r = await db
          .updateTable('servers')
          .set({ mesh_ip: ip })
          .where('id', '=', id)
          .where('mesh_ip', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      } catch (err) {
        if (isUniqueViolation(err, 'servers', ['mesh_ip'], 'servers_mesh_ip_unique')) return false;
        throw err;
      }
    },

    async meshIps() {
      const rows = await db
        .selectFrom('servers')
        .select('mesh_ip')
        .where('mesh_ip', 'is not', null)
        .execute();
      return rows.flatMap((r) => (r.mesh_ip === null ? [] : [r.mesh_ip]));
    },

    async list() {
      const rows = await db.selectFrom('servers').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toServerRow);
    },
  };
}

const SERVER_STATES: readonly ServerState[] = ['active', 'draining', 'paused', 'removed'];

const toServerRow = (r: ServersRecord): ServerRow => ({
  id: r.id,
  name: r.name,
  publicKey: r.public_key,
  sealingKey: r.sealing_key,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  // Number(): PostgreSQL's driver returns bigint columns as strings.
  desiredVersion: Number(r.desired_version),
  labels: parseEnv(r.labels, { table: 'servers', id: r.id, column: 'labels' }),
  state: toState(r),
  capacity:
    r.cpu_millis === null || r.memory_mib === null
      ? null
      : { cpuMillis: r.cpu_millis, memoryMib: r.memory_mib },
  agentVersion: r.agent_version,
  privateIp: r.private_ip,
  pendingPublicKey: r.pending_public_key,
  mesh: r.mesh_public_key === null ? null : { publicKey: r.mesh_public_key, endpoint: r.mesh_endpoint },
  meshIp: r.mesh_ip,
});

function toState(r: ServersRecord): ServerState {
  const s = SERVER_STATES.find((x) => x === r.state);
  if (!s)
    throw new BerthError(
      'INTERNAL',
      `Corrupt data in the database: servers.state of row "${r.id}" is "${r.state}".`,
    );
  return s;
}
