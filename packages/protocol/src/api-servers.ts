import { z } from 'zod';
import { Id } from './names.js';

/** The fleet: servers, their labels, join tokens and an agent's join. */

const Timestamp = z.string().describe('RFC 3339 timestamp');

/**
 * A server name is a hostname: DNS labels of lowercase letters, digits and hyphens, joined by
 * dots, at most 63 characters (it appears in logs, the CLI's tables and `berth servers` argv).
 */
export const SERVER_NAME_PATTERN =
  /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const ServerName = z
  .string()
  .max(63, { message: 'must be at most 63 characters' })
  .regex(SERVER_NAME_PATTERN, {
    message:
      'must be a hostname: lowercase letters, digits and hyphens (not at either end), labels joined by dots',
  });

/** `zone`, `role`, `example.com/tier`: what app constraints match on. */
export const LABEL_KEY_PATTERN = /^[a-z0-9](?:[a-z0-9._/-]{0,61}[a-z0-9])?$/;
export const LABEL_VALUE_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
export const MAX_SERVER_LABELS = 32;
export const LabelKey = z.string().regex(LABEL_KEY_PATTERN, {
  message:
    'must be 1-63 lowercase letters, digits and . _ / - (a letter or digit at both ends), like "zone" or "role"',
});
export const LabelValue = z.string().regex(LABEL_VALUE_PATTERN, {
  message: 'must be 1-63 letters, digits and . _ - (a letter or digit at both ends), like "b" or "build"',
});
export const ServerLabels = z
  .record(LabelKey, LabelValue)
  .refine((l) => Object.keys(l).length <= MAX_SERVER_LABELS, {
    message: `at most ${MAX_SERVER_LABELS} labels`,
  });

/** `30m`, `24h`, `7d`: how long a join token is valid. */
export const JOIN_TTL_PATTERN = /^[1-9][0-9]{0,5}(?:m|h|d)$/;
export const JoinTtl = z
  .string()
  .regex(JOIN_TTL_PATTERN, { message: 'must be a duration like "30m", "24h" or "7d"' });

export const ServerCreate = z
  .object({
    name: ServerName,
    labels: ServerLabels.optional(),
    /** Default 24h, at most 7d. */
    ttl: JoinTtl.optional(),
  })
  .strict();
export type ServerCreate = z.infer<typeof ServerCreate>;

/** Labels to set (or change) and keys to remove; the others stay. */
export const ServerLabelsPatch = z
  .object({
    set: ServerLabels.optional(),
    unset: z.array(LabelKey).max(MAX_SERVER_LABELS).optional(),
  })
  .strict();
export type ServerLabelsPatch = z.infer<typeof ServerLabelsPatch>;

export const ServerJoinCommand = z.object({
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  expiresAt: Timestamp,
  /** Shown once: only its hash is kept. */
  token: z.string(),
  /** What to run on the new server, as root. */
  command: z.string(),
});
export type ServerJoinCommand = z.infer<typeof ServerJoinCommand>;

export const ServerParams = z.object({ name: ServerName });

export const ServerCapacityView = z.object({ cpuMillis: z.number().int(), memoryMib: z.number().int() });

export const ServerDetail = z.object({
  id: Id,
  name: z.string(),
  /** What an admin decided. */
  state: z.enum(['active', 'draining', 'paused', 'removed']),
  /** Whether its agent is connected now. */
  status: z.enum(['online', 'offline']),
  lastSeenAt: Timestamp.nullable(),
  labels: z.record(z.string(), z.string()),
  capacity: ServerCapacityView.nullable(),
  agentVersion: z.string().nullable(),
  privateIp: z.string().nullable(),
  /** A new key claimed this server: `berth servers approve NAME` makes it the server's key. */
  pendingKey: z.boolean(),
});
export type ServerDetail = z.infer<typeof ServerDetail>;

/** A join token not yet used and not expired. */
export const PendingJoin = z.object({
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  expiresAt: Timestamp,
});
export type PendingJoin = z.infer<typeof PendingJoin>;

export const ServerListing = z.object({ servers: z.array(ServerDetail), pending: z.array(PendingJoin) });
export type ServerListing = z.infer<typeof ServerListing>;

const Key = z.string().min(1).max(200);
const IP = z.union([z.ipv4(), z.ipv6()]);

/** What `berth agent join` sends: the token, the keys it made, and a signature proving it holds the identity key. */
export const AgentJoin = z
  .object({
    token: z.string().min(1).max(200),
    /** Ed25519 public key, SPKI DER, base64. */
    publicKey: Key,
    /** X25519 public key, SPKI DER, base64. */
    sealingKey: Key,
    /** Ed25519 signature of agentJoinPayload(token), base64. */
    signature: Key,
    agentVersion: z.string().min(1).max(64),
    capacity: z
      .object({
        cpuMillis: z.number().int().min(0).max(100_000_000),
        memoryMib: z.number().int().min(0).max(1_000_000_000),
      })
      .nullable()
      .optional(),
    /** Where other servers reach its replicas: an IPv4 or IPv6 address. */
    privateIp: z
      .string()
      .max(45)
      .refine((ip) => IP.safeParse(ip).success, { message: 'must be an IPv4 or IPv6 address' })
      .nullable()
      .optional(),
  })
  .strict();
export type AgentJoin = z.infer<typeof AgentJoin>;

export const AgentJoined = z.object({
  serverId: Id,
  serverName: z.string(),
  labels: z.record(z.string(), z.string()),
});
export type AgentJoined = z.infer<typeof AgentJoined>;

export const ServerInfo = z.object({
  id: Id,
  name: z.string(),
  status: z.enum(['online', 'offline']),
  lastSeenAt: Timestamp.nullable(),
});
export type ServerInfo = z.infer<typeof ServerInfo>;
export const ServerList = z.object({ servers: z.array(ServerInfo) });
