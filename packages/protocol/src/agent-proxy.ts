/**
 * The edge's config versions (an nginx edge keeps them; Caddy's config never changes, so it has
 * none): what `berth proxy history` shows and `berth proxy rollback` asks for, the agent RPCs
 * berthd relays them over, and the drift the agent reports when it restored a hand-edited config.
 */
import { z } from 'zod';

/** Which edge a server runs: `berth up --proxy`, `berth agent join --proxy`. */
export const PROXY_KINDS = ['caddy', 'nginx'] as const;
export const ProxyKind = z.enum(PROXY_KINDS);
export type ProxyKind = z.infer<typeof ProxyKind>;

export const ProxyVersion = z.object({
  version: z.number().int().min(1),
  /** sha256 of the managed files. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** When it was written (RFC 3339). */
  createdAt: z.string(),
  /** Why: `publish`, `boot`, `rollback to 3`, `drift: restored 5`… */
  cause: z.string().max(200),
  /** The one the edge serves now. */
  current: z.boolean(),
});
export type ProxyVersion = z.infer<typeof ProxyVersion>;

/** Agent RPC `proxy.history`: no parameters; the result is the versions kept, oldest first. */
export const ProxyHistoryParams = z.object({});
export const ProxyHistoryResult = z.object({ versions: z.array(ProxyVersion) });

/** Agent RPC `proxy.rollback`: serves `version`'s config again, as a new version. */
export const ProxyRollbackParams = z.object({ version: z.number().int().min(1).max(1_000_000_000) });
export type ProxyRollbackParams = z.infer<typeof ProxyRollbackParams>;
export const ProxyRollbackResult = z.object({ version: ProxyVersion });

/** `GET /servers/{name}/proxy/history`. */
export const ProxyHistory = z.object({
  server: z.string(),
  versions: z.array(ProxyVersion),
});
export type ProxyHistory = z.infer<typeof ProxyHistory>;

/** `POST /servers/{name}/proxy/rollback`. */
export const ProxyRollbackRequest = z.object({ version: z.number().int().min(1).max(1_000_000_000) });
export type ProxyRollbackRequest = z.infer<typeof ProxyRollbackRequest>;
export const ProxyRollbackAnswer = z.object({ server: z.string(), version: ProxyVersion });
export type ProxyRollbackAnswer = z.infer<typeof ProxyRollbackAnswer>;

/** A hand edit of the edge's managed config, found by the agent's drift check and undone. */
export const ProxyDrift = z.object({
  at: z.string(),
  /** The version the files should have been. */
  version: z.number().int().min(1),
  expectedHash: z.string().max(64),
  foundHash: z.string().max(64).nullable(),
  /** The managed files that differed (or `current`, when the link itself was moved). */
  files: z.array(z.string().max(256)).max(100),
  /** The version written to restore it. */
  restoredAs: z.number().int().min(1),
});
export type ProxyDrift = z.infer<typeof ProxyDrift>;
