/**
 * Issue 12's database figure (`BENCH_ONLY=databases npm run bench`): `db create` → the engine's
 * own check passes in its container (pg_isready, mariadb-admin ping, redis-cli ping), per
 * engine. The first database of an engine on a server also hands its image from the bootstrap
 * store to the engine: that one is reported apart, the others are what a user waits for after.
 */
import type { createClient } from '@berth/client';
import { DATABASE_ENGINES, type DatabaseEngine } from '@berth/protocol';
import { percentile } from './measure.js';

type Client = ReturnType<typeof createClient>;

export interface EngineFigures {
  engine: DatabaseEngine;
  /** The first create: includes the image's export into the engine. */
  firstMs: number;
  /** The creates after it. */
  ms: number[];
}

export async function measureDatabases(client: Client, creates = 3): Promise<EngineFigures[]> {
  for await (const line of client.bootstrapImages({ only: ['postgres', 'mariadb', 'redis'] }))
    if (line.type === 'error') throw new Error(`bootstrap failed: ${line.error.message}`);
  const out: EngineFigures[] = [];
  for (const engine of DATABASE_ENGINES) {
    const times: number[] = [];
    for (let i = 0; i <= creates; i++) {
      const name = `bench-${engine}-${i}`;
      const started = performance.now();
      const created = await client.createDatabase({ name, engine, memoryMiB: 256 });
      if (created.deploymentId === null) throw new Error(`${name}: no deployment`);
      const status = await followToEnd(client, created.deploymentId);
      if (status !== 'succeeded') throw new Error(`${name}: ${status}`);
      times.push(performance.now() - started);
      if ((await client.getDatabase(name)).status !== 'running') throw new Error(`${name} is not running`);
    }
    for (let i = 0; i <= creates; i++) await client.deleteDatabase(`bench-${engine}-${i}`);
    out.push({ engine, firstMs: times[0] ?? 0, ms: times.slice(1) });
  }
  return out;
}

async function followToEnd(client: Client, id: string): Promise<string> {
  let status = 'unknown';
  for await (const line of client.deploymentEvents(id, true))
    if (line.type === 'end') status = line.deployment.status;
  return status;
}

export function databaseRows(figures: readonly EngineFigures[]): string[] {
  const ms = (xs: number[], q: number): string => `${Math.round(percentile(xs, q))} ms`;
  return figures.flatMap((f) => [
    `| \`db create --engine ${f.engine}\` → accepting connections (${f.ms.length} runs) | ${ms(f.ms, 50)} | ${ms(f.ms, 95)} |`,
    `| the run's first ${f.engine} (also hands the image to the engine when the engine lacks it) | ${Math.round(f.firstMs)} ms | |`,
  ]);
}
