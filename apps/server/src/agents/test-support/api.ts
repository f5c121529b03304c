import type { FastifyInstance } from 'fastify';

/**
 * The API as an admin calls it, through `app.inject` (no socket): status, parsed body, text. The
 * berthd and token are read at each call, so a test may restart berthd between calls.
 */
export function adminApi(current: () => { app: FastifyInstance; token: string }) {
  return async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
    const { app, token } = current();
    const res = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
    return { status: res.statusCode, json: JSON.parse(res.body) as unknown, text: res.body };
  };
}

/** Polls `probe` every 20 ms until it gives a value (not null); throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
