/**
 * The three database engine images (postgres, mariadb, redis) for integration tests:
 * bootstrapped from Debian packages into the shared test builder's base store (seconds once
 * built; about 80 s for the three the first time) and handed to a test's Podman service under
 * names with the test's own tag (about 50 s for the three), so tests running beside each other
 * never replace each other's images. Callers remove them with `podman rmi` when done.
 */
import { join } from 'node:path';
import { bootstrapBaseImages, createEngineApiClient } from '@berth/engine';
import { startTestBuilder, testTeamId } from './builder.js';

export type DatabaseImageKind = 'postgres' | 'mariadb' | 'redis';

/** `localhost/berth/dbtest-<kind>:<tag>` for each kind, now in the engine at `socketPath`. */
export async function exportDatabaseImages(options: {
  socketPath: string;
  workDir: string;
  tag: string;
  kinds?: readonly DatabaseImageKind[];
}): Promise<Record<DatabaseImageKind, string>> {
  const kinds = options.kinds ?? (['postgres', 'mariadb', 'redis'] as const);
  const builder = await startTestBuilder();
  await builder.base(AbortSignal.timeout(900_000), ({ http }) =>
    bootstrapBaseImages({ http, only: [...kinds], workDir: join(options.workDir, 'bootstrap') }),
  );
  const engine = createEngineApiClient({ socketPath: options.socketPath, timeoutMs: 60_000 });
  const team = testTeamId();
  const refs: Partial<Record<DatabaseImageKind, string>> = {};
  for (const kind of kinds) {
    const engineRef = `localhost/berth/dbtest-${kind}:${options.tag}`;
    await builder.exportToEngine(team, {
      image: `localhost/berth/base-${kind}:bookworm`,
      engineRef,
      engine,
      signal: AbortSignal.timeout(300_000),
    });
    refs[kind] = engineRef;
  }
  return refs as Record<DatabaseImageKind, string>;
}
