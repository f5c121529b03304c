import http from 'node:http';
import { stat } from 'node:fs/promises';

const PING_TIMEOUT_MS = 1_000;

/**
 * The first candidate that is a unix socket with a Docker-API engine answering GET /_ping. A
 * stale socket file left by a dead service is skipped, so Berth can start its own instead.
 */
export async function findEngineSocket(candidates: readonly string[]): Promise<string | null> {
  for (const candidate of candidates) {
    if ((await isSocket(candidate)) && (await pingEngineSocket(candidate))) return candidate;
  }
  return null;
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket();
  } catch {
    return false;
  }
}

/** True when the engine at socketPath answers /_ping with 200 within a second. */
export function pingEngineSocket(socketPath: string, timeoutMs: number = PING_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      { socketPath, path: '/_ping', method: 'GET', headers: { Host: 'engine' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
