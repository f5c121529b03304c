import { DATABASE_PRODUCTS, DATABASE_VERSIONS, type DatabaseEngine } from '@berth/protocol';
import type { BaseImageKind } from '../builder/base-images.js';

/**
 * What Berth knows of each database engine: the base image that carries it (built by `berth
 * images bootstrap` from Debian 12 packages), the port it listens on in its container and the
 * URL scheme apps expect. `mysql` is MariaDB: Debian packages it and not Oracle's server.
 */
export interface DatabaseEngineInfo {
  engine: DatabaseEngine;
  product: string;
  imageKind: Extract<BaseImageKind, 'postgres' | 'mariadb' | 'redis'>;
  port: number;
  scheme: 'postgres' | 'mysql' | 'redis';
  versions: readonly string[];
}

export const DATABASE_ENGINE_INFO: Record<DatabaseEngine, DatabaseEngineInfo> = {
  postgres: {
    engine: 'postgres',
    product: DATABASE_PRODUCTS.postgres,
    imageKind: 'postgres',
    port: 5432,
    scheme: 'postgres',
    versions: DATABASE_VERSIONS.postgres,
  },
  mysql: {
    engine: 'mysql',
    product: DATABASE_PRODUCTS.mysql,
    imageKind: 'mariadb',
    port: 3306,
    scheme: 'mysql',
    versions: DATABASE_VERSIONS.mysql,
  },
  redis: {
    engine: 'redis',
    product: DATABASE_PRODUCTS.redis,
    imageKind: 'redis',
    port: 6379,
    scheme: 'redis',
    versions: DATABASE_VERSIONS.redis,
  },
};

/** The version a database gets: the one asked for when Berth offers it, else the engine's default. */
export function resolveDatabaseVersion(
  engine: DatabaseEngine,
  asked: string | undefined,
): { ok: true; version: string } | { ok: false; problem: string } {
  const { versions, product } = DATABASE_ENGINE_INFO[engine];
  const fallback = versions[0] as string;
  if (asked === undefined) return { ok: true, version: fallback };
  if (versions.includes(asked)) return { ok: true, version: asked };
  return {
    ok: false,
    problem: `${product} ${asked} is not offered: the bootstrapped image carries ${product} ${versions.join(', ')}`,
  };
}

/** One line per engine, for `db create --help`: "postgres (PostgreSQL 15)". */
export const describeDatabaseEngines = (): string =>
  Object.values(DATABASE_ENGINE_INFO)
    .map((i) => `${i.engine} (${i.product} ${i.versions.join(', ')})`)
    .join(', ');
