/** The RPCs berthd sends an agent: images, logs and builds (agent.ts `RpcRequest` lists them). */
import { z } from 'zod';
import { LogGrep } from './api-logs.js';
import { BuildNetwork } from './api-trust.js';
import { AppName, Env, HttpPath, Id, ImageRef, Port, Replicas } from './names.js';
import { FleetRegistryAccess } from './agent-registry.js';
import { BuilderName, CommitSha, GitRef, GitUrl } from './source.js';

export const ImageResolveParams = z.object({ ref: ImageRef });

/** Pushes an image of this server's store (by id) to the fleet registry under `destination`. */
export const ImagePushParams = z.object({
  imageId: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  /** `<registry>/berth/<team>/<app>:<release id>`. */
  destination: ImageRef,
  access: FleetRegistryAccess,
});
export type ImagePushParams = z.infer<typeof ImagePushParams>;
export const ImagePushResult = z.object({
  /** The manifest's digest as the registry stores it. */
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  imageId: z.string(),
  /** How long the push took, in ms (for the deployment's events). */
  ms: z.number().int().min(0),
});
export type ImagePushResult = z.infer<typeof ImagePushResult>;
export const ImageResolveResult = z.object({
  imageId: z.string(),
  pulled: z.boolean(),
  /** The app id of the image's `berth.app` label (an image Berth built), or null: its owner decides. */
  builtFor: z.string().nullable().optional(),
});
export type ImageResolveResult = z.infer<typeof ImageResolveResult>;

export const LogsParams = z.object({
  appId: Id,
  tail: z.number().int().min(0).max(10_000),
  follow: z.boolean(),
  /** false: leave out lines recognised as the agent's own health probes. */
  health: z.boolean().optional(),
  /** Only lines from this time on (RFC 3339; berthd resolves a duration against its clock). */
  since: z.string().optional(),
  /** Only lines that match this RE2 pattern (checked again by the agent: core's parseLogGrep). */
  grep: LogGrep.optional(),
});
export type LogsParams = z.infer<typeof LogsParams>;

/** Where a build's source comes from, as the agent fetches it. */
export const AgentBuildSource = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('git'),
    url: GitUrl,
    ref: GitRef,
    /** The exact commit to build (a webhook's), else the ref's tip. */
    commit: CommitSha.nullable(),
    /**
     * A webhook's push: build `commit` only if it is still the tip of `ref` once fetched, else
     * fail with BUILD_COMMIT_NOT_TIP (a replayed old push builds nothing; a force-push is the tip).
     */
    requireTip: z.boolean().optional(),
    /** Credentials sealed to this agent's X25519 key (aad: agentBuildAad), or null. */
    token: z.string().nullable(),
    sshKey: z.string().nullable(),
  }),
  z.object({
    type: z.literal('archive'),
    /** Path on berthd's HTTP API (with a short-lived capability token) to download the tar from. */
    path: z.string().regex(/^\/api\/v1\/agent\/archives\/[a-z]{2,4}_[a-z2-7]{20}\?token=[A-Za-z0-9_-]+$/),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().min(0),
  }),
]);
export type AgentBuildSource = z.infer<typeof AgentBuildSource>;

export const AgentBuildParams = z.object({
  buildId: Id,
  appId: Id,
  appName: AppName,
  /** Builds of a team share a storage (and its layer cache) that no other team's build sees. */
  teamId: Id,
  /** `none`: the build's steps reach no network at all (the team's setting). */
  network: BuildNetwork.default('egress'),
  source: AgentBuildSource,
  timeoutMs: z.number().int().min(1000),
  /**
   * How many log lines berthd already has: re-attaching to a build still running on the agent
   * (after berthd restarted) replays only what berthd missed.
   */
  fromLine: z.number().int().min(0),
});
export type AgentBuildParams = z.infer<typeof AgentBuildParams>;

/** What a finished build decided: berthd writes it into the waiting release. */
export const AgentBuildResult = z.object({
  image: ImageRef,
  imageId: z.string().min(1),
  commit: z.string().min(1),
  subject: z.string().nullable(),
  builder: BuilderName,
  port: Port.nullable(),
  healthPath: HttpPath.nullable(),
  env: Env,
  replicas: Replicas.nullable(),
});
export type AgentBuildResult = z.infer<typeof AgentBuildResult>;

export const agentBuildAad = (buildId: string, what: 'token' | 'ssh-key'): string =>
  `build:${buildId}:${what}`;
