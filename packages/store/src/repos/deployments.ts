import { BerthError } from '@berth/protocol';
import type { Updateable } from 'kysely';
import { isUniqueViolation } from '../db-errors.js';
import { parseDeploymentError, toJson } from '../json.js';
import type { DeploymentsRecord, DeploymentsTable } from '../schema.js';
import type { DeploymentPatch, DeploymentRepo, DeploymentRow, NewestDeployment } from '../types.js';
import type { Db } from './db.js';

/** `onChange` hears of each deployment created or updated (the store tells listeners once it commits). */
export function createDeploymentRepo(db: Db, onChange?: (id: string) => void): DeploymentRepo {
  const newestSucceeded = (appId: string) =>
    db
      .selectFrom('deployments')
      .selectAll()
      .where('app_id', '=', appId)
      .where('status', '=', 'succeeded')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1);

  const get = async (id: string): Promise<DeploymentRow | null> => {
    const r = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toDeploymentRow(r) : null;
  };

  return {
    async create(row) {
      try {
        await db.insertInto('deployments').values(toDeploymentsRecord(row)).execute();
      } catch (err) {
        if (isUniqueViolation(err, 'deployments', ['app_id', 'idempotency_key'])) {
          throw new BerthError(
            'IDEMPOTENCY_CONFLICT',
            `Idempotency key "${row.idempotencyKey ?? ''}" is already used by another deployment of this app`,
            { hint: 'Retry the request to get that deployment, or use a new key.', cause: err },
          );
        }
        throw err;
      }
      onChange?.(row.id);
    },

    get,

    async list(appId, limit) {
      const rows = await db
        .selectFrom('deployments')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toDeploymentRow);
    },

    async findByIdempotencyKey(appId, key) {
      const r = await db
        .selectFrom('deployments')
        .selectAll()
        .where('app_id', '=', appId)
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
      return r ? toDeploymentRow(r) : null;
    },

    async update(id, patch) {
      const set = toDeploymentsUpdate(patch);
      const r =
        Object.keys(set).length === 0
          ? await get(id)
          : await db
              .updateTable('deployments')
              .set(set)
              .where('id', '=', id)
              .returningAll()
              .executeTakeFirst()
              .then((x) => (x ? toDeploymentRow(x) : null));
      if (!r) throw new BerthError('DEPLOYMENT_NOT_FOUND', `No deployment with id "${id}"`);
      onChange?.(id);
      return r;
    },

    async lastSucceededOtherThan(appId, releaseId) {
      const r = await newestSucceeded(appId).where('release_id', '!=', releaseId).executeTakeFirst();
      return r ? toDeploymentRow(r) : null;
    },

    async lastSucceededOf(appId, releaseId) {
      const r = await newestSucceeded(appId).where('release_id', '=', releaseId).executeTakeFirst();
      return r ? toDeploymentRow(r) : null;
    },

    async newestOf(appIds) {
      const out = new Map<string, NewestDeployment>();
      if (appIds.length === 0) return out;
      // A correlated subquery (same order as `list`) rather than a window function: plain SQL
      // that SQLite and PostgreSQL plan alike, each lookup one step down deployments_app_created_index.
      const rows = await db
        .selectFrom('deployments as d')
        .innerJoin('releases as r', 'r.id', 'd.release_id')
        .selectAll('d')
        .select('r.version as release_version')
        .where('d.app_id', 'in', [...appIds])
        .where('d.id', '=', (eb) =>
          eb
            .selectFrom('deployments as n')
            .select('n.id')
            .whereRef('n.app_id', '=', 'd.app_id')
            .orderBy('n.created_at', 'desc')
            .orderBy('n.id', 'desc')
            .limit(1),
        )
        .execute();
      for (const { release_version, ...r } of rows)
        out.set(r.app_id, { deployment: toDeploymentRow(r), releaseVersion: release_version });
      return out;
    },

    async currentRestart(appId, releaseId, rollingId) {
      const r = await db
        .selectFrom('deployments')
        .select('id')
        .where('app_id', '=', appId)
        .where('release_id', '=', releaseId)
        .where('kind', '=', 'restart')
        .where((eb) =>
          eb.or([
            eb('status', '=', 'succeeded'),
            eb.and([eb('id', '=', rollingId ?? ''), eb('status', '=', 'rolling_out')]),
          ]),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return r?.id ?? null;
    },
  };
}

const toDeploymentsRecord = (row: DeploymentRow): DeploymentsRecord => ({
  id: row.id,
  app_id: row.appId,
  release_id: row.releaseId,
  kind: row.kind,
  status: row.status,
  replicas: row.replicas,
  previous_release_id: row.previousReleaseId,
  previous_replicas: row.previousReplicas,
  idempotency_key: row.idempotencyKey,
  request_hash: row.requestHash,
  error: row.error === null ? null : toJson(row.error),
  created_at: row.createdAt,
  started_at: row.startedAt,
  finished_at: row.finishedAt,
  build_id: row.buildId,
  requested_by: row.requestedBy,
});

function toDeploymentsUpdate(patch: DeploymentPatch): Updateable<DeploymentsTable> {
  const u: Updateable<DeploymentsTable> = {};
  if (patch.status !== undefined) u.status = patch.status;
  if (patch.error !== undefined) u.error = patch.error === null ? null : toJson(patch.error);
  if (patch.startedAt !== undefined) u.started_at = patch.startedAt;
  if (patch.finishedAt !== undefined) u.finished_at = patch.finishedAt;
  if (patch.replicas !== undefined) u.replicas = patch.replicas;
  if (patch.previousReleaseId !== undefined) u.previous_release_id = patch.previousReleaseId;
  if (patch.previousReplicas !== undefined) u.previous_replicas = patch.previousReplicas;
  return u;
}

const toDeploymentRow = (r: DeploymentsRecord): DeploymentRow => ({
  id: r.id,
  appId: r.app_id,
  releaseId: r.release_id,
  kind: r.kind,
  status: r.status,
  replicas: r.replicas,
  previousReleaseId: r.previous_release_id,
  previousReplicas: r.previous_replicas,
  idempotencyKey: r.idempotency_key,
  requestHash: r.request_hash,
  error: parseDeploymentError(r.error, { table: 'deployments', id: r.id, column: 'error' }),
  buildId: r.build_id,
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});
