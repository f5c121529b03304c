/**
 * The upstream table on disk. The Caddy edge adapter writes it; the DNS service reads it on every query, so the
 * proxy keeps resolving the last published upstreams while the agent restarts. Writes replace the
 * file atomically, so a reader sees the old table or the new one, never half of either.
 */

import { readFile } from 'node:fs/promises';
import { BerthError } from '@berth/protocol';
import { createChangedFileReader, writeFileAtomic } from '@berth/io';
import type { Upstream } from '@berth/core';
import type { UpstreamTable } from './answer.js';

/** Where the upstream table is kept so the DNS service can serve it while the agent is down. */
export interface UpstreamTableStore {
  read(): Promise<UpstreamTable>;
  /** Atomic replace (write, fsync, rename): the DNS service never sees half a table. */
  write(table: UpstreamTable): Promise<void>;
}

/** The table's file name in the directory the edge is given (the agent's data dir). */
export const UPSTREAM_TABLE_FILE = 'upstreams.json';

const emptyTable = (): UpstreamTable => ({ sets: {} });

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseUpstream(v: unknown, where: string): Upstream {
  if (!isRecord(v)) throw new Error(`${where} is not an object`);
  const { name, host, port } = v;
  if (typeof name !== 'string' || name.length === 0) throw new Error(`${where}.name is not a name`);
  if (typeof host !== 'string' || host.length === 0) throw new Error(`${where}.host is not a host`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${where}.port is not a port`);
  }
  return { name, host, port };
}

function parseRecord<T>(
  v: unknown,
  where: string,
  item: (x: unknown, where: string) => T,
): Record<string, T> | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) throw new Error(`${where} is not an object`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, item(x, `${where}.${k}`)]));
}

function field<T>(v: unknown, where: string, name: string, ok: (x: unknown) => x is T): T {
  const x = isRecord(v) ? v[name] : undefined;
  if (!ok(x)) throw new Error(`${where}.${name} is missing or of the wrong type`);
  return x;
}

const isString = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
const isBoolean = (x: unknown): x is boolean => typeof x === 'boolean';

/** unknown → UpstreamTable; throws an Error naming the path of the first bad value. */
export function parseUpstreamTable(v: unknown): UpstreamTable {
  if (!isRecord(v) || !isRecord(v.sets)) throw new Error('sets is not an object');
  const sets: Record<string, Upstream[]> = {};
  for (const [setName, ups] of Object.entries(v.sets)) {
    if (!Array.isArray(ups)) throw new Error(`sets.${setName} is not a list`);
    sets[setName] = ups.map((u, i) => parseUpstream(u, `sets.${setName}[${i}]`));
  }
  const { httpsPort } = v;
  if (
    httpsPort !== undefined &&
    !(Number.isInteger(httpsPort) && Number(httpsPort) >= 1 && Number(httpsPort) <= 65535)
  )
    throw new Error('httpsPort is not a port');
  const hosts = parseRecord(v.hosts, 'hosts', (x, w) => ({
    app: field(x, w, 'app', isString),
    https: field(x, w, 'https', isBoolean),
  }));
  const internal = parseRecord(v.internal, 'internal', (x, w) => ({
    app: field(x, w, 'app', isString),
    from: field(x, w, 'from', isString),
  }));
  const redirects = parseRecord(v.redirects, 'redirects', (x, w) => ({
    to: field(x, w, 'to', isString),
    https: field(x, w, 'https', isBoolean),
  }));
  const challenges = parseRecord(v.challenges, 'challenges', (x, w) => {
    if (!isString(x)) throw new Error(`${w} is not a key authorization`);
    return x;
  });
  // Members absent from the file stay absent: a table from before issue 11 reads back as written.
  return {
    sets,
    ...(hosts && { hosts }),
    ...(internal && { internal }),
    ...(redirects && { redirects }),
    ...(challenges && { challenges }),
    ...(httpsPort === undefined ? {} : { httpsPort: Number(httpsPort) }),
  };
}

function toStoreError(path: string, e: unknown): BerthError {
  const detail = e instanceof Error ? e.message : String(e);
  return new BerthError('INTERNAL', `The upstream table ${path} is unreadable: ${detail}`, {
    hint: 'It is rewritten on the next rollout step; removing it makes the proxy serve no upstreams until then.',
    cause: e,
  });
}

export function createUpstreamTableFile(path: string): UpstreamTableStore {
  return {
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyTable();
        throw toStoreError(path, e);
      }
      try {
        return parseUpstreamTable(JSON.parse(text));
      } catch (e) {
        throw toStoreError(path, e);
      }
    },
    async write(table) {
      await writeFileAtomic(path, `${JSON.stringify(table, null, 2)}\n`);
    },
  };
}

export interface UpstreamTableReader {
  /** The table as the file holds it now; re-parsed only when the file changed. */
  current(): UpstreamTable;
}

/** Called on every DNS query: see createChangedFileReader (a bad file keeps the last good table). */
export function createUpstreamTableReader(
  path: string,
  onError: (e: BerthError) => void = () => undefined,
): UpstreamTableReader {
  return createChangedFileReader({
    path,
    parse: (text) => parseUpstreamTable(JSON.parse(text)),
    empty: emptyTable,
    onError: (e) => onError(toStoreError(path, e)),
  });
}
