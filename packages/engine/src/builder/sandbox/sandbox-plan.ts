/**
 * The command that starts a process in the build sandbox, as data. Builds run hostile code
 * (Dockerfiles, RUN steps, `berth.yaml`), through a Podman whose buildah has known escapes
 * (CVE-2024-1753: a bind mount from another stage reaches the builder's `/`). So the builder's
 * `/` is not the host's:
 *
 *   setpriv (the build user: no host privilege)
 *   → unshare (a user namespace: root inside is the build user, 1… its subordinate ids)
 *   → bwrap (new mount, pid, network, ipc, uts and cgroup namespaces; a root of its own: /usr
 *     read-only, a made-up /etc, the team's storage, tmpfs elsewhere; pivot_root, so nothing
 *     else of the host's file system is there to be reached, whatever a build mounts)
 *   → the command (Podman's API service, skopeo).
 *
 * The sandbox's network namespace has only loopback; egress, when a build may have it, comes
 * from a slirp4netns the builder attaches to it (./sandbox-network.ts), never the host's own
 * namespace, whatever network mode a build step asks for.
 *
 * bwrap runs as the build user and binds host directories by path, so the builder's directory
 * must be traversable by it (root-owned, 0711; see ./sandboxed-builder.ts): it lives outside the
 * data dir, which stays 0700. Small files go in through pipes (`fds`), never from host files.
 * Pure: ./sandbox-process.ts opens the pipes in the order of `fds`.
 */
import { BerthError } from '@berth/protocol';

export interface IdRange {
  start: number;
  count: number;
}

/** Who the sandbox runs as on the host. */
export interface SandboxIdentity {
  uid: number;
  gid: number;
  /** Subordinate ids (/etc/subuid, /etc/subgid) mapped to 1… inside. */
  subuids: IdRange;
  subgids: IdRange;
}

export interface SandboxBinaries {
  setpriv: string;
  unshare: string;
  bwrap: string;
}

/** How a top-level directory of the host's root reaches the sandbox (merged-/usr hosts link /bin → usr/bin). */
export type RootEntry = { kind: 'symlink'; path: string; target: string } | { kind: 'bind'; path: string };

export interface SandboxMount {
  /** Inside the sandbox. */
  dest: string;
  /** A directory of the host, traversable by the build user. */
  hostDir: string;
  writable: boolean;
}

export interface SandboxFile {
  dest: string;
  content: string;
}

export interface SandboxPlanInput {
  identity: SandboxIdentity;
  binaries: SandboxBinaries;
  /** /bin, /lib, /lib64, /sbin as the host has them (symlinks into /usr, or directories). */
  rootEntries: readonly RootEntry[];
  /** Host directories shown read-only at the same path (public: CA certificates). */
  publicDirs: readonly string[];
  mounts: readonly SandboxMount[];
  files: readonly SandboxFile[];
  /** Whether /dev/net/tun is shown (slirp4netns, nested by a build step, needs it). */
  tun: boolean;
  env: Readonly<Record<string, string>>;
  command: readonly string[];
}

/** `data`: a file's content to write into a pipe; `info`: a pipe bwrap writes its child's pid to. */
export type SandboxFd = { kind: 'data'; content: string } | { kind: 'info' };

export interface SandboxCommand {
  file: string;
  args: string[];
  /** Descriptor i is fd 3 + i of the child. */
  fds: SandboxFd[];
}

/** Absolute, plain paths only: they become bwrap arguments and mount points. */
const SANDBOX_PATH = /^\/(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A user namespace needs the ids of a container image: 65536 is what images assume. */
const MIN_SUBORDINATE_IDS = 65536;

export function planSandboxCommand(input: SandboxPlanInput): SandboxCommand {
  validate(input);
  const fds: SandboxFd[] = [];
  const fd = (spec: SandboxFd): string => String(3 + fds.push(spec) - 1);
  const { identity: id, binaries: bin } = input;
  const count = MIN_SUBORDINATE_IDS;
  const args = [
    `--reuid=${id.uid}`,
    `--regid=${id.gid}`,
    '--clear-groups',
    '--',
    bin.unshare,
    '--map-root-user',
    `--map-users=${id.subuids.start},1,${count}`,
    `--map-groups=${id.subgids.start},1,${count}`,
    '--',
    bin.bwrap,
    '--die-with-parent',
    '--new-session',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--unshare-net',
    '--info-fd',
    fd({ kind: 'info' }),
    '--hostname',
    'berth-build',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const entry of input.rootEntries) {
    if (entry.kind === 'symlink') args.push('--symlink', entry.target, entry.path);
    else args.push('--ro-bind', entry.path, entry.path);
  }
  for (const dir of input.publicDirs) args.push('--ro-bind-try', dir, dir);
  args.push('--proc', '/proc', '--dev', '/dev', '--ro-bind-try', '/sys/fs/cgroup', '/sys/fs/cgroup');
  if (input.tun) args.push('--dev-bind', '/dev/net/tun', '/dev/net/tun');
  args.push('--tmpfs', '/run', '--dir', '/home');
  for (const f of input.files) args.push('--ro-bind-data', fd({ kind: 'data', content: f.content }), f.dest);
  for (const m of input.mounts) {
    args.push(m.writable ? '--bind' : '--ro-bind', m.hostDir, m.dest);
  }
  args.push('--chdir', '/', '--', '/usr/bin/env', '-i');
  for (const [key, value] of Object.entries(input.env)) args.push(`${key}=${value}`);
  args.push(...input.command);
  return { file: bin.setpriv, args, fds };
}

function validate(input: SandboxPlanInput): void {
  const { identity: id } = input;
  for (const n of [id.uid, id.gid]) {
    if (!Number.isInteger(n) || n <= 0) invalid(`the build user must not be root (uid/gid ${n})`);
  }
  for (const [what, range] of [
    ['subuid', id.subuids],
    ['subgid', id.subgids],
  ] as const) {
    if (!Number.isInteger(range.start) || range.start <= 0 || range.count < MIN_SUBORDINATE_IDS) {
      invalid(`the build user needs ${MIN_SUBORDINATE_IDS} ${what}s, has ${range.count} from ${range.start}`);
    }
  }
  const dests = [
    ...input.mounts.map((m) => m.dest),
    ...input.files.map((f) => f.dest),
    ...input.publicDirs,
    ...input.rootEntries.map((e) => e.path),
  ];
  for (const dest of dests) if (!SANDBOX_PATH.test(dest) || dest.includes('/..')) invalid(`bad path ${dest}`);
  for (const m of input.mounts) if (!SANDBOX_PATH.test(m.hostDir)) invalid(`bad host dir ${m.hostDir}`);
  for (const key of Object.keys(input.env)) if (!ENV_KEY.test(key)) invalid(`bad env key ${key}`);
  if (input.command.length === 0) invalid('no command');
}

function invalid(why: string): never {
  throw new BerthError('BUILD_SANDBOX_UNAVAILABLE', `The build sandbox cannot be set up: ${why}`);
}
