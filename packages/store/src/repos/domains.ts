import {
  BerthError,
  DOMAIN_KINDS,
  DOMAIN_STATUSES,
  WildcardCustomDomainName,
  type DomainKind,
  type DomainStatus,
} from '@berth/protocol';
import { isUniqueViolation } from '../db-errors.js';
import type { DomainRepo, DomainRow, DomainsTable } from '../types-domains.js';
import { atomically, type Db } from './db.js';

/**
 * Custom domains. The unique constraint on `name` is what keeps one name to one app: a lookup
 * before the insert would let two racing claims both pass. Wildcards are checked against the
 * names they cover, so that one team cannot take a host under another team's wildcard (its DNS
 * already points here) nor a wildcard over another team's host.
 */
export function createDomainRepo(db: Db, onApp?: (appId: string) => void): DomainRepo {
  return {
    async add(rows) {
      await atomically(db, async (trx) => {
        for (const row of rows) {
          assertCanonical(row);
          await refuseCrossTeamOverlap(trx, row);
          try {
            await trx.insertInto('domains').values(toRecord(row)).execute();
          } catch (err) {
            if (isUniqueViolation(err, 'domains', ['name'])) throw await taken(trx, row, err);
            throw err;
          }
        }
      });
      for (const appId of new Set(rows.map((r) => r.appId))) onApp?.(appId);
    },

    async listByApp(appId) {
      const rows = await db.selectFrom('domains').selectAll().where('app_id', '=', appId).execute();
      return rows.map(toRow).sort((a, b) => kindOrder(a) - kindOrder(b) || a.name.localeCompare(b.name));
    },

    async list() {
      const rows = await db.selectFrom('domains').selectAll().orderBy('name').execute();
      return rows.map(toRow);
    },

    async getByName(name) {
      const r = await db.selectFrom('domains').selectAll().where('name', '=', name).executeTakeFirst();
      return r ? toRow(r) : null;
    },

    async remove(appId, name) {
      const names = await atomically(db, async (trx) => {
        const removed = await trx
          .deleteFrom('domains')
          .where('app_id', '=', appId)
          .where((eb) => eb.or([eb('name', '=', name), eb('redirect_to', '=', name)]))
          .returning('name')
          .execute();
        return removed.map((r) => r.name).sort();
      });
      if (names.length > 0) onApp?.(appId);
      return names;
    },

    async setStatus(name, update, now) {
      const r = await db
        .updateTable('domains')
        .set({
          status: update.status,
          ...(update.issuer === undefined ? {} : { issuer: update.issuer }),
          ...(update.expiresAt === undefined ? {} : { expires_at: update.expiresAt }),
          ...(update.lastError === undefined ? {} : { last_error: update.lastError }),
          updated_at: now,
        })
        .where('name', '=', name)
        .returningAll()
        .executeTakeFirst();
      if (r) onApp?.(r.app_id);
      return r ? toRow(r) : null;
    },
  };
}

const kindOrder = (row: DomainRow): number => (row.kind === 'primary' ? 0 : 1);

/** Names reach the store already canonical; this is the wall behind that, not the validation. */
function assertCanonical(row: DomainRow): void {
  for (const [path, value] of [
    ['name', row.name],
    ['redirectTo', row.redirectTo],
  ] as const) {
    if (value !== null && !WildcardCustomDomainName.safeParse(value).success) {
      throw new BerthError('VALIDATION_FAILED', `Invalid domain: ${path} is not a canonical domain name`, {
        issues: [{ path, message: 'is not a canonical domain name' }],
      });
    }
  }
  if ((row.kind === 'redirect') !== (row.redirectTo !== null)) {
    throw new BerthError(
      'VALIDATION_FAILED',
      'Invalid domain: a redirect needs redirectTo, a primary has none',
      {
        issues: [{ path: 'redirectTo', message: 'must be set for a redirect and only for a redirect' }],
      },
    );
  }
}

/** A wildcard covers exactly one more label: `*.example.com` covers `shop.example.com`. */
async function refuseCrossTeamOverlap(db: Db, row: DomainRow): Promise<void> {
  const labels = row.name.split('.');
  const parent = labels.slice(1).join('.');
  if (labels[0] === '*') {
    const under = await db
      .selectFrom('domains')
      .select(['name', 'team_id'])
      .where('name', 'like', `%.${parent}`)
      .where('team_id', '<>', row.teamId)
      .execute();
    const covered = under.find((d) => d.name.split('.').length === labels.length && !d.name.startsWith('*.'));
    if (covered) throw overlap(row.name, `it would cover "${covered.name}", which another team serves`);
  } else if (labels.length >= 3) {
    const wildcard = await db
      .selectFrom('domains')
      .select('name')
      .where('name', '=', `*.${parent}`)
      .where('team_id', '<>', row.teamId)
      .executeTakeFirst();
    if (wildcard) throw overlap(row.name, `another team serves "${wildcard.name}", which covers it`);
  }
}

function overlap(name: string, why: string): BerthError {
  return new BerthError('DOMAIN_TAKEN', `The domain "${name}" cannot be added: ${why}`, {
    hint: 'Use a name your team alone serves, or ask an installation owner to move the other name',
  });
}

/** Names the holder only to its own team: another team learns that the name is taken, no more. */
async function taken(db: Db, row: DomainRow, cause: unknown): Promise<BerthError> {
  const holder = await db
    .selectFrom('domains')
    .innerJoin('apps', 'apps.id', 'domains.app_id')
    .select(['domains.team_id', 'apps.name as app_name'])
    .where('domains.name', '=', row.name)
    .executeTakeFirst()
    .catch(() => undefined);
  const ours = holder?.team_id === row.teamId;
  return new BerthError(
    'DOMAIN_TAKEN',
    ours
      ? `The domain "${row.name}" is already a domain of app "${holder.app_name}"`
      : `The domain "${row.name}" is already in use on this Berth`,
    {
      hint: ours
        ? `Remove it there first with: berth domains remove ${holder.app_name} ${row.name}`
        : 'Use another name, or ask an installation owner who holds it',
      cause,
    },
  );
}

function toRecord(row: DomainRow): DomainsTable {
  return {
    id: row.id,
    app_id: row.appId,
    team_id: row.teamId,
    name: row.name,
    kind: row.kind,
    redirect_to: row.redirectTo,
    status: row.status,
    issuer: row.issuer,
    expires_at: row.expiresAt,
    last_error: row.lastError,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function toRow(r: DomainsTable): DomainRow {
  return {
    id: r.id,
    appId: r.app_id,
    teamId: r.team_id,
    name: r.name,
    kind: oneOf(DOMAIN_KINDS, r.kind, r.id, 'kind') satisfies DomainKind,
    redirectTo: r.redirect_to,
    status: oneOf(DOMAIN_STATUSES, r.status, r.id, 'status') satisfies DomainStatus,
    issuer: r.issuer,
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function oneOf<T extends string>(allowed: readonly T[], value: string, id: string, column: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new BerthError('INTERNAL', `domains row ${id} has an unknown ${column} "${value}"`);
}
