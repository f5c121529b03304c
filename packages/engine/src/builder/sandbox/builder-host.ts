/**
 * What the build sandbox needs from this host, read once at the agent's start: the tools
 * (bubblewrap, util-linux's setpriv and unshare, shadow's newuidmap, Podman, skopeo,
 * slirp4netns), the build user with its subordinate ids, and /dev/net/tun for build steps'
 * network. `prepareBuildHost` (run as root by `berth up`) creates what is missing.
 */
import { execFile } from 'node:child_process';
import { chmod, lstat, readFile, readlink, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { BerthError } from '@berth/protocol';
import {
  BUILD_USER_PATTERN,
  findPasswdEntry,
  findSubordinateRange,
  nextFreeSubordinateStart,
  SUBORDINATE_COUNT,
} from './build-user.js';
import type { RootEntry, SandboxBinaries, SandboxIdentity } from './sandbox-plan.js';
import { findExecutable } from '@berth/io';

const run = promisify(execFile);

export interface BuilderHost {
  identity: SandboxIdentity;
  userName: string;
  binaries: SandboxBinaries & { podman: string; skopeo: string; slirp4netns: string };
  rootEntries: RootEntry[];
  /** /dev/net/tun is usable by the build user: build steps can have a network. */
  tun: boolean;
}

export type BuilderHostCheck = { ok: true; host: BuilderHost } | { ok: false; problems: string[] };

const TOOLS = {
  setpriv: 'util-linux',
  unshare: 'util-linux',
  bwrap: 'bubblewrap',
  newuidmap: 'uidmap',
  newgidmap: 'uidmap',
  podman: 'podman',
  skopeo: 'skopeo',
  slirp4netns: 'slirp4netns',
} as const;
type Tool = keyof typeof TOOLS;

const ROOT_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const INSTALL_HINT =
  'Run `sudo bash scripts/install-system-deps.sh`, then `berth up` as root (it creates the build user), or see docs/security.md';

/** `path` is the PATH to find the tools on (the agent's, from its main.ts). */
export async function checkBuilderHost(userName: string, path: string): Promise<BuilderHostCheck> {
  const problems: string[] = [];
  if (!BUILD_USER_PATTERN.test(userName)) problems.push(`"${userName}" is not a valid user name`);
  const found: Partial<Record<Tool, string>> = {};
  for (const [tool, pkg] of Object.entries(TOOLS) as [Tool, string][]) {
    const file = await findExecutable(tool, path, ['/usr/sbin', '/sbin']);
    if (file) found[tool] = file;
    else problems.push(`${tool} is missing (Debian package ${pkg})`);
  }
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const user = findPasswdEntry(passwd, userName);
  let identity: SandboxIdentity | null = null;
  if (!user) problems.push(`there is no user ${userName}`);
  else if (user.uid === 0 || user.gid === 0) problems.push(`${userName} must not be root`);
  else {
    const subuids = findSubordinateRange(await readFile('/etc/subuid', 'utf8').catch(() => ''), user);
    const subgids = findSubordinateRange(await readFile('/etc/subgid', 'utf8').catch(() => ''), user);
    if (!subuids) problems.push(`${userName} has no range of ${SUBORDINATE_COUNT} ids in /etc/subuid`);
    if (!subgids) problems.push(`${userName} has no range of ${SUBORDINATE_COUNT} ids in /etc/subgid`);
    if (subuids && subgids) identity = { uid: user.uid, gid: user.gid, subuids, subgids };
  }
  // Inside the sandbox only /usr of the host exists.
  for (const t of ['podman', 'skopeo'] as const) {
    const file = found[t];
    if (file && !file.startsWith('/usr/')) problems.push(`${t} must be installed under /usr (found ${file})`);
  }
  if (problems.length > 0 || !identity) return { ok: false, problems };
  const tool = (t: Tool): string => found[t] ?? t;
  return {
    ok: true,
    host: {
      identity,
      userName,
      binaries: {
        setpriv: tool('setpriv'),
        unshare: tool('unshare'),
        bwrap: tool('bwrap'),
        podman: tool('podman'),
        skopeo: tool('skopeo'),
        slirp4netns: tool('slirp4netns'),
      },
      rootEntries: await readRootEntries(),
      tun: await tunUsableByOthers(),
    },
  };
}

/** The error a build gets when the sandbox cannot run here; builds never fall back to the host. */
export function sandboxUnavailable(problems: readonly string[]): BerthError {
  return new BerthError(
    'BUILD_SANDBOX_UNAVAILABLE',
    `Builds are off on this server: their sandbox cannot run (${problems.join('; ')})`,
    { hint: INSTALL_HINT },
  );
}

/**
 * Problems with the builder's directory: every parent must let the build user pass (others'
 * x bit), since bwrap binds its subdirectories as that user. Nothing in it is readable by others.
 */
export async function checkBuilderDir(dir: string): Promise<string[]> {
  const problems: string[] = [];
  if (!dir.startsWith('/')) return [`the builder dir ${dir} is not an absolute path`];
  const parts = dir.split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const path = `/${parts.slice(0, i).join('/')}`;
    const s = await stat(path).catch(() => null);
    if (s && (s.mode & 0o001) === 0) {
      problems.push(
        `${path} does not let the build user pass to ${dir} (it needs o+x; or choose another builder dir)`,
      );
    }
  }
  return problems;
}

async function readRootEntries(): Promise<RootEntry[]> {
  const entries: RootEntry[] = [];
  for (const path of ROOT_DIRS) {
    const s = await lstat(path).catch(() => null);
    if (s?.isSymbolicLink()) entries.push({ kind: 'symlink', path, target: await readlink(path) });
    else if (s?.isDirectory()) entries.push({ kind: 'bind', path });
  }
  return entries;
}

async function tunUsableByOthers(): Promise<boolean> {
  const s = await stat('/dev/net/tun').catch(() => null);
  return s !== null && s.isCharacterDevice() && (s.mode & 0o006) === 0o006;
}

/**
 * Creates the build user and its subordinate ids when missing, and opens /dev/net/tun to it
 * (mode 0666, every distribution's default: a tun device needs CAP_NET_ADMIN in the network
 * namespace that owns it, so this gives no host privilege). Needs root. Returns what it changed.
 */
export async function prepareBuildHost(userName: string): Promise<string[]> {
  if (!BUILD_USER_PATTERN.test(userName))
    throw new BerthError('VALIDATION_FAILED', `"${userName}" is not a valid user name`);
  const changed: string[] = [];
  const passwd = await readFile('/etc/passwd', 'utf8');
  let user = findPasswdEntry(passwd, userName);
  if (!user) {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      '--comment',
      'Berth builds',
      userName,
    ]);
    user = findPasswdEntry(await readFile('/etc/passwd', 'utf8'), userName);
    if (!user) throw new BerthError('INTERNAL', `useradd did not create ${userName}`);
    changed.push(`created the system user ${userName} (uid ${user.uid}) that builds run as`);
  }
  const subuid = await readFile('/etc/subuid', 'utf8').catch(() => '');
  const subgid = await readFile('/etc/subgid', 'utf8').catch(() => '');
  if (!findSubordinateRange(subuid, user) || !findSubordinateRange(subgid, user)) {
    const start = nextFreeSubordinateStart([subuid, subgid]);
    const range = `${start}-${start + SUBORDINATE_COUNT - 1}`;
    await run('usermod', ['--add-subuids', range, '--add-subgids', range, userName]);
    changed.push(`gave ${userName} the subordinate ids ${range} for build steps`);
  }
  const tun = await stat('/dev/net/tun').catch(() => null);
  if (tun?.isCharacterDevice() && (tun.mode & 0o006) !== 0o006) {
    await chmod('/dev/net/tun', 0o666);
    changed.push('set /dev/net/tun to mode 0666 (the usual mode) so build steps can have a network');
  }
  return changed;
}
