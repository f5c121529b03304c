/**
 * berthd's event-loop lag from its own store commits while the disk is busy with other writes
 * (image layers, a database dump): a process commits a small row every 50 ms to a Berth store,
 * once with every commit synced on its own thread (`synchronous = FULL`, checkpointEveryMs 0,
 * as berthd did) and once with the store's checkpointer thread (packages/store's
 * sqlite-checkpointer.ts), while `dd` writes 4 GB files back to back to the same disk. The lag is
 * how late a 10 ms timer fires: what every request and agent link waits on top of its own work.
 *   BENCH_ONLY=store-commits [BENCH_STORE_SECONDS=20] npm run bench
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openSqliteStore } from '@berth/store';

export interface StoreLagFigures {
  seconds: number;
  variants: {
    name: string;
    checkpointEveryMs: number;
    commits: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    over1s: number;
  }[];
}

/** Writes 4 GB files back to back under `dir` until stopped (killed by its pid, with its dd). */
function startDiskWriter(dir: string): { stop(): Promise<void> } {
  const file = join(dir, 'pressure.bin');
  const child = spawn(
    'bash',
    ['-c', `while true; do dd if=/dev/zero of=${JSON.stringify(file)} bs=1M count=4000 status=none; done`],
    { stdio: 'ignore', detached: true },
  );
  return {
    async stop() {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(file, { force: true });
    },
  };
}

async function commitLag(dir: string, name: string, checkpointEveryMs: number, seconds: number) {
  const store = await openSqliteStore({ file: join(dir, `${name}.db`), checkpointEveryMs });
  const lags: number[] = [];
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    lags.push(now - last - 10);
    last = now;
  }, 10);
  let commits = 0;
  const until = performance.now() + seconds * 1000;
  try {
    while (performance.now() < until) {
      await store.meta.set('bench', String(commits++));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    clearInterval(tick);
    await store.close();
  }
  lags.sort((a, b) => a - b);
  const at = (q: number): number =>
    Math.round(lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0);
  return {
    name,
    checkpointEveryMs,
    commits,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: Math.round(lags.at(-1) ?? 0),
    over1s: lags.filter((l) => l > 1000).length,
  };
}

export async function measureStoreCommitLag(seconds: number): Promise<StoreLagFigures> {
  // On the disk berthd's data dir is on (/var/lib, /var/tmp), not a tmpfs /tmp.
  const dir = await mkdtemp('/var/tmp/berth-bench-store-');
  const writer = startDiskWriter(dir);
  try {
    return {
      seconds,
      variants: [
        await commitLag(dir, 'each commit synced on the event loop (synchronous = FULL)', 0, seconds),
        await commitLag(dir, 'checkpointer thread, every 1 s (synchronous = NORMAL)', 1000, seconds),
      ],
    };
  } finally {
    await writer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function storeLagRows(f: StoreLagFigures): string[] {
  return f.variants.map(
    (v) => `| ${v.name} | ${v.commits} | ${v.p50Ms} ms | ${v.p99Ms} ms | ${v.maxMs} ms | ${v.over1s} |`,
  );
}
