import type { ResourceLimits } from '@berth/protocol';

/**
 * The container engine port: what Berth needs from Docker or Podman. The adapter speaks the
 * Docker Engine API over a unix socket, which both provide (Podman through `podman system service`).
 */

export interface EngineInfo {
  /** `podman` or `docker`, from the engine's version report. */
  kind: 'podman' | 'docker';
  version: string;
  apiVersion: string;
}

/** What the server has for replicas, as the engine reports it (GET /info: NCPU, MemTotal). */
export interface EngineCapacity {
  /** CPUs in thousandths (NCPU × 1000). */
  cpuMillis: number;
  /** Memory in whole MiB. */
  memoryMib: number;
}

export type ContainerStatus = 'created' | 'running' | 'exited';

export interface ContainerDetails {
  id: string;
  /** Without the leading slash Docker adds. */
  name: string;
  labels: Record<string, string>;
  /** `paused` reads as `running` (frozen, not dead); other states (dead, removing, …) as `exited`. */
  status: ContainerStatus;
  startedAtMs: number | null;
  exitCode: number | null;
  /** Where the container's app port is published on the host, if it is. */
  published: { host: string; port: number } | null;
  /** The host pid of its first process while it runs (null otherwise, or when the engine does not say). */
  pid: number | null;
  /**
   * While it runs: its IPv4 address on each network it joined, by network name (the team DNS
   * answers a database's private name with it). Absent when the engine did not say.
   */
  addresses?: Readonly<Record<string, string>>;
}

export interface ReplicaContainerSpec {
  name: string;
  /** Image id (`sha256:…`), never a tag, so the container runs exactly the release's image. */
  imageId: string;
  env: Record<string, string>;
  /** argv; null keeps the image's own command. */
  command: string[] | null;
  /**
   * true: `command` replaces the image's ENTRYPOINT too (argv[0] runs, as a Kubernetes
   * `command:` does), for a one-off run whose command must run as given. Default false.
   */
  replaceEntrypoint?: boolean;
  labels: Record<string, string>;
  /** The port the app listens on inside the container. */
  port: number;
  /** Host address the port is published on (an ephemeral host port is chosen by the engine). */
  publishHost: string;
  /** false: the port is neither exposed nor published (a one-off run serves nothing). Default true. */
  publish?: boolean;
  /**
   * Also published on this fixed host address and port (a managed database's `--public-port`,
   * on the address the edge listens on); the ephemeral binding on publishHost stays the one
   * `published` reports.
   */
  publicBinding?: { host: string; port: number };
  /** The network the replica joins, and no other (its team's, never the engine's default). */
  network: string;
  /**
   * The DNS server the replica asks (the agent's, on its team network's gateway, which answers
   * `<app>.internal`); null keeps the engine's default (the host's resolvers).
   */
  dns?: string | null;
  /** CPU, memory (no swap beyond it) and pids; every container also runs hardened (./hardening.ts). */
  limits: ResourceLimits;
  /** Host files bind-mounted read-only (secrets given as files). */
  files: readonly { source: string; target: string }[];
  /** Engine volumes (made beforehand with ensureVolume) mounted read-write at checked paths. */
  volumes?: readonly { name: string; target: string }[];
}

export interface VolumeSpec {
  /** `berth-vol-…`: anything else is refused before the engine is asked. */
  name: string;
  labels: Record<string, string>;
}

export interface VolumeDetails {
  name: string;
  labels: Record<string, string>;
  /** Where the engine keeps its data on the host; null when it does not say. */
  mountpoint: string | null;
}

export interface NetworkSpec {
  name: string;
  /** The host-side bridge interface, at most 15 characters: the host firewall names it. */
  bridge: string;
  labels: Record<string, string>;
}

export interface NetworkDetails {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** IPv4 subnets (CIDR) and their gateways. */
  subnets: { subnet: string; gateway: string | null }[];
}

export interface ResolvedImage {
  imageId: string;
  /** True when the image was not in the engine's store and was pulled. */
  pulled: boolean;
  /** The app id of the image's `berth.app` label (Berth built it for that app), or null. */
  builtFor: string | null;
}

export interface ContainerLogLine {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 timestamp from the engine. */
  at: string;
  line: string;
}

export interface LogOptions {
  tail: number;
  follow: boolean;
  signal?: AbortSignal;
  /** Called once the engine has accepted the request and streams: lines written from then on are in it. */
  onOpen?: () => void;
}

/** A command run in a container (`berth exec`): ./exec.ts. */
export interface ExecSpec {
  /** argv; run as is, never through a shell of ours. */
  cmd: readonly string[];
  tty: boolean;
  size: { cols: number; rows: number } | null;
}

export interface ExecOutput {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

export interface ExecSession {
  /** Output as it comes (a TTY has only stdout); ends when the command does. */
  output: AsyncIterable<ExecOutput>;
  /** Stdin; resolves once the engine has taken it (a slow command slows the writer). */
  write(data: Buffer): Promise<void>;
  /** The end of stdin. */
  closeInput(): void;
  resize(cols: number, rows: number): Promise<void>;
  /** Once the output has ended: the command's exit code, or null when the engine cannot say. */
  exitCode(): Promise<number | null>;
  /** Ends the session: the command sees its stdin and terminal close, and what still runs is killed. */
  close(): Promise<void>;
}

export interface ContainerEngine extends ImageTransfer {
  info(): Promise<EngineInfo>;
  /** The host's CPUs and memory as the engine sees them (the fleet places replicas by it). */
  capacity(): Promise<EngineCapacity>;
  /**
   * Finds the image in the engine's store, pulling it when missing. Throws BerthError
   * DEPLOY_IMAGE_NOT_FOUND (nothing by that name anywhere) or DEPLOY_IMAGE_PULL_FAILED.
   */
  resolveImage(ref: string): Promise<ResolvedImage>;
  /** Creates and starts a container. Throws BerthError DEPLOY_START_FAILED with the engine's reason. */
  createAndStart(spec: ReplicaContainerSpec): Promise<ContainerDetails>;
  /**
   * All containers (running or not) carrying every one of these labels. Those in `known` are
   * taken as they are there rather than inspected again: Podman answers an inspect of a
   * container it is stopping or removing only when that is done, so a caller that stops
   * containers beside its listing would wait for every stop.
   */
  list(
    labels: Record<string, string>,
    options?: { known?: ReadonlyMap<string, ContainerDetails> },
  ): Promise<ContainerDetails[]>;
  /** Stops (SIGTERM, then SIGKILL after timeoutSec) and removes. A container already gone is not an error. */
  stopAndRemove(id: string, timeoutSec: number): Promise<void>;
  /** The last lines, or a live stream of them when follow is set; ends when the container does or the signal aborts. */
  logs(id: string, options: LogOptions): AsyncIterable<ContainerLogLine>;
  /** Runs a command in a running container, streamed both ways (./exec.ts). */
  exec(containerId: string, spec: ExecSpec): Promise<ExecSession>;
  /** The user an image runs as (`Config.User`: '' for root, `1000`, `1000:1000`, `app`, …). */
  imageUser(imageId: string): Promise<string>;
  /** Whether the store holds an image with this id (`sha256:…`), under any name or none. */
  hasImage(imageId: string): Promise<boolean>;
  /**
   * Creates the bridge network unless one of that name exists; either way returns it. Throws
   * INTERNAL when a network of that name exists without every one of `labels` (not ours).
   */
  ensureNetwork(spec: NetworkSpec): Promise<NetworkDetails>;
  /** Every network the engine has, or those carrying every one of `labels`. */
  listNetworks(labels?: Record<string, string>): Promise<NetworkDetails[]>;
  /** Removes a network; a network still in use is kept (`in-use`), one already gone is `absent`. */
  removeNetwork(name: string): Promise<'removed' | 'in-use' | 'absent'>;
  /**
   * Creates the named volume unless it exists; either way returns it. Throws INTERNAL when one of
   * that name exists without every one of `labels` (not ours).
   */
  ensureVolume(spec: VolumeSpec): Promise<VolumeDetails>;
  /** Volumes carrying every one of `labels`. */
  listVolumes(labels?: Record<string, string>): Promise<VolumeDetails[]>;
  /** Removes a volume, never forced: one a container uses is kept (`in-use`), one already gone is `absent`. */
  removeVolume(name: string): Promise<'removed' | 'in-use' | 'absent'>;
}

/** A login at a registry: an agent's own user, never a person's. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** How the engine (and Berth, to read back what was pushed) reaches a registry. */
export interface RegistryAccess {
  credentials: RegistryCredentials;
  /**
   * `https` verifies the registry's certificate: the engine against its trust store
   * (`/etc/containers/certs.d/HOST:PORT/ca.crt` for Podman), Berth against `caPem` or the
   * system's CAs. `http` is plain HTTP: for a registry on loopback or a private network only.
   */
  scheme: 'https' | 'http';
  caPem?: string;
}

export interface PushOptions extends RegistryAccess {
  /** zstd pushes a Debian-sized image ~9× faster than gzip here; pullers need Podman ≥ 4.1 or Docker ≥ 23. */
  compression: 'zstd' | 'gzip';
}

export interface PushedImage {
  /** `sha256:…` of the manifest as the registry stores it. */
  digest: string;
  /** `registry/repository@sha256:…`: the name other servers pull. */
  pinnedRef: string;
  /** The local image id (`sha256:…`), which is also the pushed manifest's config digest. */
  imageId: string;
}

/** Moving images through a registry (./image-transfer.ts). Podman only: it uses Podman's own API. */
export interface ImageTransfer {
  /**
   * Pushes a local image (by id or name) to `destination` (`registry/repository:tag`) and returns
   * the digest the registry stored. Throws REGISTRY_AUTH_FAILED, REGISTRY_PUSH_FAILED.
   */
  pushImage(source: string, destination: string, options: PushOptions): Promise<PushedImage>;
  /**
   * Pulls `registry/repository@sha256:…` (a digest, never a tag) and returns the local image id.
   * Throws REGISTRY_AUTH_FAILED, DEPLOY_IMAGE_NOT_FOUND, DEPLOY_IMAGE_PULL_FAILED.
   */
  pullImage(pinnedRef: string, access: RegistryAccess): Promise<{ imageId: string }>;
}
