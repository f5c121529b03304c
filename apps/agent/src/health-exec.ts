/**
 * A managed database's health check: the engine's own command (`pg_isready`, `mariadb-admin
 * ping`, `redis-cli ping`) run inside its container through the engine's exec API, as an argv
 * (never through a shell), bounded by the check's probe timeout.
 */
import type { ContainerEngine } from '@berth/engine';
import type { DesiredApp, DesiredDatabase } from '@berth/protocol';
import type { ProbeTarget } from './health.js';

/** Output kept per probe: enough for a status line, never a flood into memory. */
const OUTPUT_LIMIT = 4096;
/** How much of it a failure message quotes. */
const QUOTED_CHARS = 200;

/** Null when healthy: exit 0 and, when `expectOutput` is set, exactly that (trimmed) on stdout. */
export async function probeExec(
  engine: Pick<ContainerEngine, 'exec'>,
  containerId: string,
  health: DesiredDatabase['health'],
  timeoutMs: number,
): Promise<string | null> {
  const what = health.command[0] ?? 'the health command';
  let session;
  try {
    session = await engine.exec(containerId, { cmd: health.command, tty: false, size: null });
  } catch (err) {
    return `${what}: ${err instanceof Error ? err.message : String(err)}`;
  }
  session.closeInput();
  let stdout = '';
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  const read = (async (): Promise<'done'> => {
    for await (const chunk of session.output) {
      if (chunk.stream === 'stdout' && stdout.length < OUTPUT_LIMIT) stdout += chunk.data.toString('utf8');
      if (chunk.stream === 'stderr' && stderr.length < OUTPUT_LIMIT) stderr += chunk.data.toString('utf8');
    }
    return 'done';
  })();
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const ended = await Promise.race([read, timedOut]);
    if (ended === 'timeout') return `${what} did not finish within ${timeoutMs} ms`;
    const code = await session.exitCode();
    const out = stdout.trim();
    if (code !== 0) {
      const said = quote(out || stderr.trim());
      return `${what} exited ${code ?? '(unknown)'}${said ? `: ${said}` : ''}`;
    }
    if (health.expectOutput !== null && out !== health.expectOutput)
      return `${what} answered ${JSON.stringify(quote(out))}, not ${JSON.stringify(health.expectOutput)}`;
    return null;
  } catch (err) {
    return `${what}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
    // Ends what still runs (a hung command), and the connection either way.
    await session.close().catch(() => undefined);
    read.catch(() => undefined);
  }
}

const quote = (text: string): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > QUOTED_CHARS ? `${line.slice(0, QUOTED_CHARS)}…` : line;
};

/**
 * What a target replica is probed by: a database's container by its engine command, an app's by
 * its published port (null while it has none).
 */
export function replicaProbeTarget(
  engine: Pick<ContainerEngine, 'exec'>,
  container: { id: string; published: { host: string; port: number } | null },
  app: Pick<DesiredApp, 'database'>,
): ProbeTarget | null {
  const database = app.database;
  if (database === undefined) return container.published;
  return { exec: (timeoutMs) => probeExec(engine, container.id, database.health, timeoutMs) };
}
