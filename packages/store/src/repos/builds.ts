import { BerthError } from '@berth/protocol';
import type { Updateable } from 'kysely';
import { parseBuildSettings, parseBuildSource, parseDeploymentError, toJson } from '../json.js';
import type { BuildsRecord, BuildsTable } from '../schema.js';
import type { BuildPatch, BuildRepo, BuildRow } from '../types-builds.js';
import { takeAppNumber } from './app-counters.js';
import { atomically, type Db } from './db.js';

/** `onChange` hears of each build created or updated, or given log lines (see RepoHooks). */
export function createBuildRepo(db: Db, onChange?: (id: string, what: 'row' | 'log') => void): BuildRepo {
  const get = async (id: string): Promise<BuildRow | null> => {
    const r = await db.selectFrom('builds').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toBuildRow(r) : null;
  };
  const logCount = async (buildId: string): Promise<number> => {
    const r = await db
      .selectFrom('build_logs')
      .select((eb) => eb.fn.max('seq').as('n'))
      .where('build_id', '=', buildId)
      .executeTakeFirst();
    return r?.n == null ? 0 : Number(r.n);
  };

  return {
    async create(row) {
      const created = await atomically(db, async (trx) => {
        const number = await takeAppNumber(trx, row.appId, 'last_build_number');
        await trx
          .insertInto('builds')
          .values({
            id: row.id,
            app_id: row.appId,
            number,
            status: row.status,
            trigger: row.trigger,
            source: toJson(row.source),
            commit_sha: row.commit,
            subject: row.subject,
            builder: row.builder,
            plan: row.plan === null ? null : toJson(row.plan),
            image: row.image,
            image_id: row.imageId,
            error: row.error === null ? null : toJson(row.error),
            deployment_id: row.deploymentId,
            cancel_requested_at: row.cancelRequestedAt,
            created_at: row.createdAt,
            started_at: row.startedAt,
            finished_at: row.finishedAt,
          })
          .execute();
        return { ...row, number };
      });
      onChange?.(row.id, 'row');
      return created;
    },

    get,

    async getByNumber(appId, number) {
      const r = await db
        .selectFrom('builds')
        .selectAll()
        .where('app_id', '=', appId)
        .where('number', '=', number)
        .executeTakeFirst();
      return r ? toBuildRow(r) : null;
    },

    async list(appId, limit) {
      const rows = await db
        .selectFrom('builds')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('number', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toBuildRow);
    },

    async appIdsWithImage(image) {
      const rows = await db
        .selectFrom('builds')
        .select('app_id')
        .distinct()
        .where('image', '=', image)
        .where('status', '=', 'succeeded')
        .execute();
      return rows.map((r) => r.app_id);
    },

    async listUnfinished(appId) {
      const rows = await db
        .selectFrom('builds')
        .selectAll()
        .where('app_id', '=', appId)
        .where('status', 'in', ['queued', 'running'])
        .execute();
      return rows.map(toBuildRow);
    },

    async update(id, patch) {
      const r = await db
        .updateTable('builds')
        .set(toBuildsUpdate(patch))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!r) throw new BerthError('BUILD_NOT_FOUND', `No build with id "${id}"`);
      onChange?.(id, 'row');
      return toBuildRow(r);
    },

    async appendLogs(buildId, lines) {
      const last = await atomically(db, async (trx) => {
        let seq = await createBuildRepo(trx).logCount(buildId);
        if (lines.length === 0) return seq;
        const rows = lines.map((l) => ({ build_id: buildId, seq: ++seq, at: l.at, line: l.line }));
        // Chunked: SQLite bounds the parameters of one statement.
        for (let i = 0; i < rows.length; i += 200) {
          await trx
            .insertInto('build_logs')
            .values(rows.slice(i, i + 200))
            .execute();
        }
        return seq;
      });
      if (lines.length > 0) onChange?.(buildId, 'log');
      return last;
    },

    async logs(buildId, afterSeq, limit) {
      const rows = await db
        .selectFrom('build_logs')
        .select(['seq', 'at', 'line'])
        .where('build_id', '=', buildId)
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows;
    },

    logCount,
  };
}

function toBuildsUpdate(p: BuildPatch): Updateable<BuildsTable> {
  const u: Updateable<BuildsTable> = {};
  if (p.status !== undefined) u.status = p.status;
  if (p.commit !== undefined) u.commit_sha = p.commit;
  if (p.subject !== undefined) u.subject = p.subject;
  if (p.builder !== undefined) u.builder = p.builder;
  if (p.plan !== undefined) u.plan = p.plan === null ? null : toJson(p.plan);
  if (p.image !== undefined) u.image = p.image;
  if (p.imageId !== undefined) u.image_id = p.imageId;
  if (p.error !== undefined) u.error = p.error === null ? null : toJson(p.error);
  if (p.cancelRequestedAt !== undefined) u.cancel_requested_at = p.cancelRequestedAt;
  if (p.startedAt !== undefined) u.started_at = p.startedAt;
  if (p.finishedAt !== undefined) u.finished_at = p.finishedAt;
  return u;
}

function toBuildRow(r: BuildsRecord): BuildRow {
  const at = (column: string) => ({ table: 'builds', id: r.id, column });
  return {
    id: r.id,
    appId: r.app_id,
    number: r.number,
    status: r.status,
    trigger: r.trigger,
    source: parseBuildSource(r.source, at('source')),
    commit: r.commit_sha,
    subject: r.subject,
    builder: r.builder,
    plan: parseBuildSettings(r.plan, at('plan')),
    image: r.image,
    imageId: r.image_id,
    error: parseDeploymentError(r.error, at('error')),
    deploymentId: r.deployment_id,
    cancelRequestedAt: r.cancel_requested_at,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}
