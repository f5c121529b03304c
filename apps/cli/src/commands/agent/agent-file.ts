/**
 * `<data-dir>/agent.json`: what `berth agent join` learnt and was told, and all `berth agent
 * run` needs besides the keys beside it. Written once, 0600, atomically; read at every start.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HSTS_MAX_AGE_LIMIT, MESH_INTERFACE_NAME_PATTERN } from '@berth/engine';
import { createFileAtomic } from '@berth/io';
import { BerthError, ProxyKind } from '@berth/protocol';
import { z } from 'zod';

export const AGENT_FILE = 'agent.json';

const Ip = z.union([z.ipv4(), z.ipv6()]);

const AgentFileFields = z.strictObject({
  version: z.literal(1),
  /** berthd's base URL, as joined: https://HOST:PORT (http:// only to this machine). */
  serverUrl: z.url({ protocol: /^https?$/ }),
  /** `sha256:<hex>` of berthd's CA (from the token); null for plain http on loopback. */
  fingerprint: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/)
    .nullable(),
  serverId: z.string().min(1).max(64),
  /** The server's name in the fleet: berthd chose it with the token. */
  serverName: z.string().min(1).max(64),
  labels: z.record(z.string(), z.string()),
  /** A Docker-API socket to use; null: found or started at every run, as berth up does. */
  engineSocket: z.string().startsWith('/').nullable(),
  /** Where this server's edge serves apps; null: every address. */
  publicIp: Ip.nullable(),
  /** Where other servers' edges reach replicas here; null: only this server's edge (loopback). */
  privateIp: Ip.nullable(),
  httpPort: z.number().int().min(1).max(65535),
  /** Absent: no HTTPS listener (files written before issue 11 have none). */
  httpsPort: z.number().int().min(1).max(65535).optional(),
  /** `--hsts-max-age` (only with httpsPort). Absent: no HSTS. */
  hstsMaxAge: z.number().int().min(0).max(HSTS_MAX_AGE_LIMIT).optional(),
  /**
   * This server's WireGuard interface and port in the fleet's mesh; null: it stays out of it.
   * Absent (joined before the mesh): the defaults, berth-mesh on 51820.
   */
  mesh: z
    .object({
      interfaceName: z.string().regex(MESH_INTERFACE_NAME_PATTERN),
      listenPort: z.number().int().min(1).max(65535),
    })
    .nullable()
    .optional(),
  /** The edge `berth agent run` starts (`--proxy`). Absent (joined before nginx): Caddy. */
  proxy: ProxyKind.optional(),
  joinedAt: z.iso.datetime(),
});

export const AgentFile = AgentFileFields.refine(
  (f) => f.hstsMaxAge === undefined || f.httpsPort !== undefined,
  // HSTS is sent over HTTPS only: without a listener it would silently do nothing.
  { message: 'needs httpsPort', path: ['hstsMaxAge'] },
);
export type AgentFile = z.infer<typeof AgentFile>;

export const agentFilePath = (dataDir: string): string => join(dataDir, AGENT_FILE);

/** The file, or null when this data dir has not joined; a file that does not parse says so. */
export async function readAgentFile(dataDir: string): Promise<AgentFile | null> {
  const path = agentFilePath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return parseAgentFile(text, path);
}

export function parseAgentFile(text: string, path: string): AgentFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = AgentFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(the file)'}: ${issue.message}` : 'not JSON';
    throw new BerthError('VALIDATION_FAILED', `${path} is not an agent configuration (${where})`, {
      hint: `Remove it and join again: berth agent join URL TOKEN --data-dir ${join(path, '..')}`,
    });
  }
  return parsed.data;
}

/** Writes the file unless one is there (false then): a join never replaces another's. */
export function createAgentFile(dataDir: string, file: AgentFile): Promise<boolean> {
  return createFileAtomic(agentFilePath(dataDir), `${JSON.stringify(AgentFile.parse(file), null, 2)}\n`, {
    mode: 0o600,
  });
}
