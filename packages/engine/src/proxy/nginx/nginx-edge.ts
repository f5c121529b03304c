/**
 * The Proxy port on nginx, the NxMesh way: each publish renders the whole config from the
 * EdgeState, writes it as a new version directory, checks it with `nginx -t`, points `current` at
 * it, reloads, and confirms from the error log that the reload took. Any failure puts `current`
 * back and rejects with nginx's own message; nginx never stopped serving the previous version.
 *
 * Upstreams are in the config (Debian's nginx 1.22 has no `server … resolve`, and its resolver
 * has no SRV for replicas that differ by port), so a rollout step is a reload. After one, the old
 * workers stop accepting at once and finish their requests in flight on their own; inflight()
 * reports the replicas a reload removed while the workers that may still hold them are alive.
 */

import type { Upstream } from '@berth/core';
import { BerthError } from '@berth/protocol';
import { createSerialQueue, acceptsConnections } from '@berth/io';
import type { EdgeState, Proxy } from '../types.js';
import { renderNginxFiles } from './config.js';
import { childrenOf, readMasterPid, reloadNginx, testNginxConfig } from './nginx-control.js';
import { join } from 'node:path';
import { NGINX_CONF } from './config.js';
import { listenPort, type NginxSettings } from './values.js';
import { createVersionStore, hashFiles, type VersionMeta } from './versions.js';

export interface NginxEdgeOptions {
  /** The prefix nginx runs in (prepareNginxPrefix, nginxRunCommand). */
  prefix: string;
  settings: NginxSettings;
  nginxBin?: string;
  /** Versions kept on disk, the current one always among them. */
  keepVersions?: number;
  reloadTimeoutMs?: number;
  readyTimeoutMs?: number;
  clock?: () => Date;
}

export interface NginxVersion extends VersionMeta {
  /** The one nginx runs now. */
  current: boolean;
}

/** A hand edit of the managed files, found by checkDrift and undone. */
export interface NginxDrift {
  /** The version `current` should have been. */
  version: number;
  expectedHash: string;
  /** What the files hash to now; null when `current` pointed somewhere else. */
  foundHash: string | null;
  /** The managed files that differ (added, removed or changed), or `current` itself. */
  files: string[];
  detectedAt: string;
  /** The version written to restore it. */
  restoredAs: number;
}

export interface PublishTiming {
  version: number;
  renderMs: number;
  testMs: number;
  swapMs: number;
  /** HUP → the new workers started. */
  loadedMs: number;
  /** HUP → the old workers retired (includes nginx's fixed 100 ms before it retires them). */
  reloadMs: number;
}

export interface NginxEdge extends Proxy {
  /** `cause` is recorded in the version's history (default `publish`). */
  publish(state: EdgeState, cause?: string): Promise<void>;
  /** Config versions on disk, oldest first. */
  history(): Promise<NginxVersion[]>;
  /** Serves version `version`'s config again, as a new version (so history stays in order). */
  rollback(version: number): Promise<NginxVersion>;
  /** Compares the managed files with what was written; restores and reports a difference. */
  checkDrift(): Promise<NginxDrift | null>;
  /** How the last publish that changed something spent its time. */
  lastTiming(): PublishTiming | null;
}

const KEEP_VERSIONS = 20;
/**
 * After publish resolves the old workers have logged `gracefully shutting down`, which they do
 * just before closing their listeners and idle keep-alive connections: a request picked for a
 * removed replica after that is one already in flight (inflight() covers those). The margin is for
 * the few instructions between that log line and the close.
 */
const REMOVAL_SETTLE_MS = 50;

const names = (ups: Readonly<Record<string, readonly Upstream[]>>): Set<string> =>
  new Set(Object.values(ups).flatMap((list) => list.map((u) => u.name)));

export function createNginxEdge(options: NginxEdgeOptions): NginxEdge {
  const { prefix, settings } = options;
  const clock = options.clock ?? (() => new Date());
  const keep = Math.max(2, options.keepVersions ?? KEEP_VERSIONS);
  const store = createVersionStore(prefix);
  const control = {
    prefix,
    ...(options.nginxBin === undefined ? {} : { nginxBin: options.nginxBin }),
    ...(options.reloadTimeoutMs === undefined ? {} : { reloadTimeoutMs: options.reloadTimeoutMs }),
  };
  const serialized = createSerialQueue();
  /** Replica names a reload took away → the workers that may still be sending them requests. */
  const retiring = new Map<string, Set<number>>();
  let timing: PublishTiming | null = null;

  async function currentState(): Promise<EdgeState | null> {
    const v = await store.currentVersion();
    return v === null ? null : store.state(v).catch(() => null);
  }

  /** Writes, checks, swaps to and reloads a new version; on failure `current` is back where it was. */
  async function apply(
    files: ReturnType<typeof renderNginxFiles>,
    state: EdgeState,
    cause: string,
    renderMs: number,
  ): Promise<VersionMeta> {
    const before = await store.currentVersion();
    const previous = before === null ? null : await store.state(before).catch(() => null);
    let t = Date.now();
    const meta = await store.write(files, state, cause, clock());
    try {
      await testNginxConfig(control, join(store.dirOf(meta.version), NGINX_CONF));
    } catch (e) {
      await store.remove(meta.version);
      throw e;
    }
    const testMs = Date.now() - t;
    t = Date.now();
    await store.activate(meta.version);
    const swapMs = Date.now() - t;
    let reload;
    try {
      reload = await reloadNginx(control);
    } catch (e) {
      // The master kept the config it had: the symlink goes back to it, no reload is needed.
      if (before !== null) await store.activate(before);
      await store.remove(meta.version);
      throw e;
    }
    await store.markLoaded(meta.version);
    timing = {
      version: meta.version,
      renderMs,
      testMs,
      swapMs,
      loadedMs: reload.loadedMs,
      reloadMs: reload.ms,
    };
    if (previous !== null) {
      const now = names(state.upstreams);
      for (const name of names(previous.upstreams)) {
        if (!now.has(name))
          retiring.set(name, new Set([...(retiring.get(name) ?? []), ...reload.olderWorkers]));
      }
    }
    for (const name of names(state.upstreams)) retiring.delete(name);
    await store.prune(keep);
    return meta;
  }

  async function publishNow(state: EdgeState, cause: string): Promise<VersionMeta | null> {
    const t = Date.now();
    const files = renderNginxFiles(state, settings);
    const renderMs = Date.now() - t;
    const hash = hashFiles(files);
    const current = await store.currentVersion();
    if (current !== null && (await store.meta(current).catch(() => null))?.hash === hash) {
      // Swapped in by a publisher that died before the reload was confirmed: nginx may still run
      // the version before it, with the same files on disk as what is asked for now.
      if (!(await store.isLoaded(current))) {
        await reloadNginx(control);
        await store.markLoaded(current);
      }
      return null;
    }
    return apply(files, state, cause, renderMs);
  }

  async function history(): Promise<NginxVersion[]> {
    const current = await store.currentVersion();
    return (await store.list()).map((m) => ({ ...m, current: m.version === current }));
  }

  return {
    publish: (state, cause = 'publish') => serialized(async () => void (await publishNow(state, cause))),
    async published() {
      const state = await currentState();
      const out: Record<string, Upstream[]> = {};
      for (const [app, ups] of Object.entries(state?.upstreams ?? {})) {
        if (ups.length > 0) out[app] = ups.map((u) => ({ name: u.name, host: u.host, port: u.port }));
      }
      return out;
    },
    removalSettleMs: REMOVAL_SETTLE_MS,
    async inflight() {
      // nginx counts nothing per upstream; what is known is which workers might still hold a
      // request (or a WebSocket) to a removed replica. Each such replica counts 1 until they have
      // exited. A pid counts only while it is still the master's child: pids are reused.
      const out = new Map<string, number>();
      if (retiring.size === 0) return out;
      const master = await readMasterPid(prefix);
      const alive = new Set(master === null ? [] : await childrenOf(master));
      for (const [name, workers] of retiring) {
        for (const w of workers) if (!alive.has(w)) workers.delete(w);
        if (workers.size === 0) retiring.delete(name);
        else out.set(name, 1);
      }
      return out;
    },
    async ready() {
      const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
      const port = listenPort(settings.httpListen);
      const host = /^\d/.test(settings.httpListen)
        ? settings.httpListen.slice(0, settings.httpListen.lastIndexOf(':'))
        : '127.0.0.1';
      for (;;) {
        if ((await readMasterPid(prefix)) !== null && (await acceptsConnections(host, port))) return;
        if (Date.now() > deadline)
          throw new BerthError(
            'PROXY_UNAVAILABLE',
            `nginx under ${prefix} is not answering on ${settings.httpListen}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    history,
    rollback: (version) =>
      serialized(async () => {
        const state = await store.state(version).catch(() => {
          throw new BerthError(
            'VALIDATION_FAILED',
            `There is no nginx config version ${version} to roll back to`,
            {
              hint: 'berth proxy history lists the versions kept.',
            },
          );
        });
        const files = await store.filesOnDisk(version);
        const { hash } = await store.meta(version);
        if (hashFiles(files) !== hash)
          throw new BerthError(
            'VALIDATION_FAILED',
            `nginx config version ${version} was changed on disk since it was written`,
            {
              hint: 'Roll back to another version; this one is not what Berth rendered.',
            },
          );
        const meta = await apply(files, state, `rollback to ${version}`, 0);
        return { ...meta, current: true };
      }),
    checkDrift: () =>
      serialized(async () => {
        const all = await store.list();
        const expected = all.at(-1) ?? null;
        if (expected === null) return null;
        // The last version written is the one `current` must point at: every failure put it back.
        const current = await store.currentVersion();
        const files = current === null ? null : await store.filesOnDisk(current).catch(() => null);
        const foundHash = current === expected.version && files !== null ? hashFiles(files) : null;
        if (foundHash === expected.hash) return null;
        const detectedAt = clock().toISOString();
        const state = await store.state(expected.version);
        const rendered = renderNginxFiles(state, settings);
        const changed =
          files === null || current !== expected.version ? ['current'] : changedFiles(rendered, files);
        const meta = await apply(rendered, state, `drift: restored ${expected.version}`, 0);
        return {
          version: expected.version,
          expectedHash: expected.hash,
          foundHash,
          files: changed,
          detectedAt,
          restoredAs: meta.version,
        };
      }),
    lastTiming: () => timing,
  };
}

function changedFiles(
  want: readonly { path: string; content: string; mode: number }[],
  have: readonly { path: string; content: string; mode: number }[],
): string[] {
  const key = (f: { content: string; mode: number }): string => `${f.mode}\0${f.content}`;
  const a = new Map(want.map((f) => [f.path, key(f)]));
  const b = new Map(have.map((f) => [f.path, key(f)]));
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
}
