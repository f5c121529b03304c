/**
 * What a server's edge (its agent's Caddy) has in flight, read from its admin socket: a unix
 * socket on the shared filesystem, so the root namespace reaches it without entering the server's.
 */
import { request } from 'node:http';
import { join } from 'node:path';

/** Requests the edge of the agent in `agentDataDir` has in flight to the replica `replica`. */
export async function edgeInflight(agentDataDir: string, replica: string): Promise<number> {
  const socketPath = join(agentDataDir, 'run', 'caddy-admin.sock');
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(
      { socketPath, path: '/reverse_proxy/upstreams', setHost: false, headers: { host: '' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
  // Caddy's admin API takes an empty Host over its socket, and lists no upstreams as null.
  const upstreams = (JSON.parse(body) ?? []) as { address?: string; num_requests?: number }[];
  if (!Array.isArray(upstreams)) throw new Error(`the edge's admin API answered: ${body}`);
  return upstreams
    .filter((u) => u.address?.startsWith(`${replica}.`))
    .reduce((sum, u) => sum + (u.num_requests ?? 0), 0);
}
