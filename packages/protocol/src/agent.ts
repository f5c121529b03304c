import { z } from 'zod';
import { ReplicaState } from './api-apps.js';
import { HealthCheck } from './api-health-checks.js';
import { LogLine } from './api-logs.js';
import { ImagesBootstrapRequest } from './api-builds.js';
import { AppName, Command, Id, ImageRef, Port, Replicas, WireGuardKey } from './names.js';
import { MAX_RUN_TIMEOUT_S } from './runs.js';
import { FleetRegistryAccess } from './agent-registry.js';
import { MeshSpec } from './agent-mesh.js';
import { EdgeEpoch, EdgeRelease } from './agent-edges.js';
import { ResourceLimits, SecretFilePath } from './runtime.js';
import { DeployStrategy, EngineVolumeMount, VolumeRemoveParams } from './api-volumes.js';
import { BackupCreateParams, BackupDeleteParams, BackupRestoreParams } from './api-backups.js';
import { DatabaseSizeParams } from './api-databases.js';
import { DesiredDatabase } from './api-databases.js';
import { ExecEvent, ExecInput, ExecParams } from './exec.js';
import { AgentBuildParams, ImagePushParams, ImageResolveParams, LogsParams } from './agent-rpc.js';
import { ProxyDrift, ProxyHistoryParams, ProxyRollbackParams } from './agent-proxy.js';

/**
 * The link between berthd and an agent: a WebSocket the agent dials out. berthd pushes the
 * desired state; the agent reconciles its server towards it and reports what it sees.
 */

/**
 * 2: every message after the welcome travels in a signed envelope (SignedAgentMessage). An agent
 * of 1 sends bare messages, which berthd would refuse one by one: the hello's version check
 * turns it away first, with the version to install.
 */
export const AGENT_PROTOCOL_VERSION = 2;

/** What the agent must run for one release: everything is resolved, nothing is looked up. */
export const ReleaseSpec = z.object({
  id: Id,
  version: z.number().int(),
  image: ImageRef,
  /** The engine's image id (`sha256:…`): containers are created from it, so a moved tag never leaks in. */
  imageId: z.string().min(1),
  env: z.record(z.string(), z.string()),
  port: Port,
  command: z.array(z.string()).nullable(),
  health: HealthCheck,
  /**
   * Secret env, each value sealed to this agent's X25519 key (never plaintext on the wire or in
   * the agent's cache); opened only to start a container. Wins over `env` for the same key.
   */
  secrets: z.record(z.string(), z.string()),
  /** Secrets (keys of `secrets`) given as read-only files at these paths, never as env. */
  secretFiles: z.record(z.string(), SecretFilePath),
  limits: ResourceLimits,
  /**
   * Where a server without the image gets it: the fleet registry's `<registry>/berth/<team>/<app>@sha256:…`,
   * pulled with DesiredState.registry's login. Absent: the image is in this server's store or
   * comes from a registry of its own (pulled by name when resolved).
   */
  pull: z.object({ ref: ImageRef }).optional(),
  /** Volumes mounted read-write in every replica; the agent creates a missing one, never removes one. */
  volumes: z.array(EngineVolumeMount).max(8).optional(),
});
export type ReleaseSpec = z.infer<typeof ReleaseSpec>;

/** An app's hostnames: `<app>.<base>` and its custom domains. */
const HOSTNAMES_MAX = 64;

/** Custom domains that only redirect (308) to one of the app's hostnames (absent: none). */
const HostRedirects = z.array(z.object({ from: z.string(), to: z.string() })).max(HOSTNAMES_MAX);

export const DesiredApp = z.object({
  appId: Id,
  appName: AppName,
  /** The owning team: its apps share one network, which other teams' apps cannot reach. */
  teamId: Id,
  /**
   * Changes whenever berthd wants a new rollout (a deploy, a scale, or the revert after a failure).
   * The agent keys a rollout's outcome on it, so a failed revision is not retried in a loop.
   */
  revision: z.string().min(1).max(100),
  deploymentId: Id,
  release: ReleaseSpec,
  /**
   * The restart (its deployment id) whose containers run the release: replicas of the release
   * made before it (another restart, or none) are replaced one at a time. Null or absent: none.
   */
  restartId: Id.nullable().optional(),
  /** How many replicas this server runs (with `slots`: how many of them are listed). */
  replicas: Replicas,
  /**
   * Which replica slots (1-based, fleet-wide) this server runs: berthd places an app's replicas
   * across servers. Absent (one server, an older berthd): slots 1..replicas. Empty: none here any
   * more, so the agent drains and stops what it has of the app and then reports it converged.
   */
  slots: z
    .array(z.number().int().min(1).max(64))
    .max(64)
    .refine((s) => new Set(s).size === s.length, { message: 'slots must be distinct' })
    .optional(),
  hostnames: z.array(z.string()).max(HOSTNAMES_MAX),
  redirects: HostRedirects.optional(),
  drainTimeoutMs: z.number().int().min(0),
  stopTimeoutMs: z.number().int().min(0),
  /** `recreate`: the old replicas stop before a new one starts. Absent: `rolling`. */
  strategy: DeployStrategy.optional(),
  /** Set for a managed database's workload (`berth db`): see DesiredDatabase. Absent: an app. */
  database: DesiredDatabase.optional(),
});
export type DesiredApp = z.infer<typeof DesiredApp>;

/**
 * A one-off container of `app.release` running `cmd` (`berth run`, a cron job's run): output
 * streams as rpc.chunk lines, it ends with rpc.result AgentRunResult; killed at `timeoutMs`,
 * removed either way. `app.slots` is empty: it is no replica.
 */
export const AgentRunParams = z.object({
  runId: Id,
  app: DesiredApp,
  cmd: Command,
  timeoutMs: z
    .number()
    .int()
    .min(1000)
    .max(MAX_RUN_TIMEOUT_S * 1000),
});
export type AgentRunParams = z.infer<typeof AgentRunParams>;

/** Where an edge reaches a replica that runs on another server (its private address). */
const IpAddress = z.union([z.ipv4(), z.ipv6()]);

export const RemoteUpstream = z.object({
  name: z.string().min(1).max(200),
  host: IpAddress,
  port: Port,
});
export type RemoteUpstream = z.infer<typeof RemoteUpstream>;

/**
 * An app this server's edge serves without running any of its replicas: every server serves
 * every app, sending its requests to the serving replicas on other servers.
 */
export const ElsewhereApp = z.object({
  appId: Id,
  appName: AppName,
  /** The app's team: its replicas on this server reach it as `<app>.internal` (absent: from an older berthd). */
  teamId: Id.optional(),
  hostnames: z.array(z.string()).max(HOSTNAMES_MAX),
  redirects: HostRedirects.optional(),
  upstreams: z.array(RemoteUpstream).max(64),
});
export type ElsewhereApp = z.infer<typeof ElsewhereApp>;

/**
 * A certificate for some of an app's custom domains. `names` are only the app's own domains the
 * certificate covers (berthd's choice, so one team's certificate is never served for another's
 * name); the key is sealed to the agent (agentCertificateAad).
 */
export const DesiredCertificate = z.object({
  id: Id,
  names: z.array(z.string().max(253)).min(1).max(HOSTNAMES_MAX),
  chainPem: z.string().max(64 * 1024),
  keySealed: z.string().max(16 * 1024),
});
export type DesiredCertificate = z.infer<typeof DesiredCertificate>;

export const DesiredState = z.object({
  /** Monotonic; the agent ignores a push older than the one it holds. */
  version: z.number().int().min(0),
  apps: z.array(DesiredApp),
  /** Apps served here from other servers' replicas (absent from an older berthd: none). */
  elsewhere: z.array(ElsewhereApp).optional(),
  /**
   * The private addresses of the fleet's other servers (and their mesh addresses when this
   * server is not a member): the host firewall keeps apps from them, and from every member of
   * `mesh`.
   */
  peers: z.array(IpAddress).max(20_000).optional(),
  /** How this agent logs in to the fleet registry (absent: the fleet has none). */
  registry: FleetRegistryAccess.optional(),
  /** The fleet's mesh (absent: this server is not in one; replicas stay on its private address). */
  mesh: MeshSpec.optional(),
  /**
   * Instead of `mesh`: the mesh is the one with this signature, which the agent reported holding
   * (so a push to a thousand servers does not carry a thousand members each time).
   */
  meshKept: z.string().min(1).max(128).optional(),
  /** Absent (one machine, an older berthd): no other edge holds this server's replicas. */
  edges: EdgeRelease.optional(),
  /** Certificates every edge serves, keys sealed to this agent (absent: none). */
  certificates: z.array(DesiredCertificate).max(10_000).optional(),
  /** HTTP-01 answers every edge serves on its HTTP port: token → key authorization (absent: none). */
  challenges: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,256}$/), z.string().max(512)).optional(),
});
export type DesiredState = z.infer<typeof DesiredState>;

export const ReplicaReport = z.object({
  name: z.string(),
  containerId: z.string(),
  releaseId: Id,
  slot: z.number().int(),
  state: ReplicaState,
  /** Where other servers' edges reach it: its port published on the server's private address. */
  endpoint: z.object({ host: IpAddress, port: Port }).nullable().optional(),
});
export type ReplicaReport = z.infer<typeof ReplicaReport>;

export const RolloutFailure = z.object({
  code: z.string(),
  message: z.string(),
  logs: z.array(z.string()),
});
export type RolloutFailure = z.infer<typeof RolloutFailure>;

export const RolloutPhase = z.enum(['rolling', 'converged', 'failed']);
export type RolloutPhase = z.infer<typeof RolloutPhase>;

export const AppReport = z.object({
  appId: Id,
  revision: z.string(),
  phase: RolloutPhase,
  failure: RolloutFailure.nullable(),
  replicas: z.array(ReplicaReport),
});
export type AppReport = z.infer<typeof AppReport>;

export const AgentReport = z.object({
  desiredVersion: z.number().int(),
  apps: z.array(AppReport),
  /** The signature of the mesh the agent holds (null: none): berthd sends the mesh again when it differs. */
  meshSignature: z.string().max(128).nullable().optional(),
  /**
   * The newest serving set whose routes this server's edge has applied, with every request it
   * had sent to the replicas that set left out ended (null: none yet).
   */
  edgeEpoch: EdgeEpoch.nullable().optional(),
});
export type AgentReport = z.infer<typeof AgentReport>;

export const RpcRequest = z.discriminatedUnion('method', [
  z.object({ method: z.literal('image.resolve'), params: ImageResolveParams }),
  z.object({ method: z.literal('image.push'), params: ImagePushParams }),
  z.object({ method: z.literal('logs'), params: LogsParams }),
  z.object({ method: z.literal('build'), params: AgentBuildParams }),
  z.object({ method: z.literal('images.bootstrap'), params: ImagesBootstrapRequest }),
  z.object({ method: z.literal('exec'), params: ExecParams }),
  z.object({ method: z.literal('proxy.history'), params: ProxyHistoryParams }),
  z.object({ method: z.literal('proxy.rollback'), params: ProxyRollbackParams }),
  z.object({ method: z.literal('volume.remove'), params: VolumeRemoveParams }),
  z.object({ method: z.literal('run'), params: AgentRunParams }),
  z.object({ method: z.literal('backup.create'), params: BackupCreateParams }),
  z.object({ method: z.literal('backup.restore'), params: BackupRestoreParams }),
  z.object({ method: z.literal('backup.delete'), params: BackupDeleteParams }),
  z.object({ method: z.literal('database.size'), params: DatabaseSizeParams }),
]);
export type RpcRequest = z.infer<typeof RpcRequest>;
export type RpcMethod = RpcRequest['method'];

const RpcId = z.number().int().min(0);

export const ServerToAgent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('challenge'), nonce: z.string(), protocol: z.number().int() }),
  z.object({ type: z.literal('welcome'), serverId: Id, serverName: z.string() }),
  z.object({ type: z.literal('desired'), state: DesiredState }),
  z.object({ type: z.literal('rpc'), id: RpcId, request: RpcRequest }),
  z.object({ type: z.literal('rpc.cancel'), id: RpcId }),
  /** More input for a call in flight (an exec session's stdin). */
  z.object({ type: z.literal('rpc.input'), id: RpcId, input: ExecInput }),
]);
export type ServerToAgent = z.infer<typeof ServerToAgent>;

export const AgentEvent = z.object({
  appId: Id,
  revision: z.string(),
  deploymentId: Id,
  at: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});
export type AgentEvent = z.infer<typeof AgentEvent>;

export const AgentToServer = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    name: z.string().min(1).max(64),
    /** Ed25519 public key, SPKI DER, base64. */
    publicKey: z.string().min(1).max(200),
    /** Signature of `berth-agent-hello:<nonce>` with the agent's key, base64. */
    signature: z.string().min(1).max(200),
    /** X25519 public key, SPKI DER, base64: secrets for this agent are sealed to it. */
    sealingKey: z.string().min(1).max(200),
    agentVersion: z.string().max(64),
    protocol: z.number().int(),
    /** What the server has for replicas (CPU in thousandths, memory in MiB); null: unknown. */
    capacity: z
      .object({ cpuMillis: z.number().int().min(0), memoryMib: z.number().int().min(0) })
      .nullable()
      .optional(),
    /** Where other servers' edges reach this server's replicas (private or mesh address). */
    privateIp: z.union([z.ipv4(), z.ipv6()]).nullable().optional(),
    /**
     * The server's WireGuard public key (made on the server; the private key never leaves it) and
     * where peers dial it (`ip:port`, null: it dials out only). Absent: it does not join the mesh.
     */
    mesh: z
      .object({
        publicKey: WireGuardKey,
        endpoint: z.string().max(64).nullable(),
      })
      .nullable()
      .optional(),
  }),
  z.object({ type: z.literal('report'), report: AgentReport }),
  z.object({ type: z.literal('event'), event: AgentEvent }),
  /** The edge's managed config was edited by hand; the agent restored it (nginx edge). */
  z.object({ type: z.literal('proxy.drift'), drift: ProxyDrift }),
  z.object({ type: z.literal('rpc.result'), id: RpcId, result: z.unknown() }),
  z.object({
    type: z.literal('rpc.error'),
    id: RpcId,
    error: z.object({ code: z.string(), message: z.string(), logs: z.array(z.string()).optional() }),
  }),
  z.object({ type: z.literal('rpc.chunk'), id: RpcId, lines: z.array(LogLine) }),
  z.object({ type: z.literal('rpc.end'), id: RpcId }),
  /** What an exec session does as it runs. */
  z.object({ type: z.literal('rpc.exec'), id: RpcId, event: ExecEvent }),
]);
export type AgentToServer = z.infer<typeof AgentToServer>;

export const agentHelloPayload = (nonce: string): string => `berth-agent-hello:${nonce}`;

/** A per-message nonce: 16 random bytes, base64url. */
const MessageNonce = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

/**
 * How the agent sends every message after the welcome. `body` is the JSON text of an
 * AgentToServer message, signed as it is (no re-serialisation to agree on); `seq` counts the
 * session's messages from 1, `ts` is the agent's clock (ms since the epoch), `sig` the agent's
 * Ed25519 signature (base64) of agentMessagePayload. The rules berthd applies: core's
 * checkSignedAgentMessage.
 */
export const SignedAgentMessage = z.object({
  type: z.literal('signed'),
  body: z.string(),
  ts: z.number().int().min(0),
  seq: z.number().int().min(1),
  nonce: MessageNonce,
  sig: z.string().min(1).max(200),
});
export type SignedAgentMessage = z.infer<typeof SignedAgentMessage>;

export interface AgentMessageSigning {
  /** The challenge nonce berthd sent at this connection's start: binds the message to the session. */
  challenge: string;
  ts: number;
  seq: number;
  nonce: string;
  body: string;
}

/**
 * The text an agent signs for one message. The challenge is base64url, ts and seq are integers
 * and the nonce base64url, so none holds the `:` or the newline that separate them; the body
 * comes last and as it was sent.
 */
export const agentMessagePayload = (m: AgentMessageSigning): string =>
  `berth-agent-message:v1:${m.challenge}:${m.ts}:${m.seq}:${m.nonce}\n${m.body}`;

/** What a joining agent signs with its new identity key: proof it holds the key it registers. */
export const agentJoinPayload = (token: string): string => `berth-agent-join:${token}`;

/** Where a certificate's key sealed for an agent belongs: it opens only as that certificate's. */
export const agentCertificateAad = (certificateId: string): string => `certificate:${certificateId}`;

/** Where a secret sealed for an agent belongs: it opens only as that key of that release. */
export const agentSecretAad = (releaseId: string, key: string): string => `release:${releaseId}:${key}`;
