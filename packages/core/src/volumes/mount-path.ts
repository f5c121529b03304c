/**
 * Where a volume is mounted in a container. Agents run as root and the path reaches the engine's
 * mount spec, so it is checked strictly here (pure) and nowhere trusted as given: absolute and
 * already normalised (no `.`, `..`, `//` or trailing `/`, so what is checked is what is mounted),
 * a safe charset with no quotes, `$`, `;`, `:` (the engine's `src:dst:opts` separator), spaces or
 * control characters, and never `/` itself, the kernel's and the engine's own trees (/proc, /sys,
 * /dev) or the files the engine writes into every container (/etc/hosts, /etc/resolv.conf,
 * /etc/hostname), nor the secret files Berth mounts under /run/secrets.
 */

export const MOUNT_PATH_MAX = 240;

const SEGMENT = /^[A-Za-z0-9_.][A-Za-z0-9._@+-]*$/;

/** Trees a volume may not be mounted on or under. */
const FORBIDDEN_TREES = ['/proc', '/sys', '/dev', '/run/secrets'] as const;

/** Exact paths the engine manages in every container. */
const ENGINE_FILES = [
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/hostname',
  '/etc/mtab',
  '/run',
  '/etc',
] as const;

const isUnder = (path: string, tree: string): boolean => path === tree || path.startsWith(`${tree}/`);

/** Why `path` cannot be a mount path, as words a person can act on; null when it can. */
export function mountPathProblem(path: string): string | null {
  if (path.length === 0) return 'must not be empty';
  if (path.length > MOUNT_PATH_MAX) return `must be at most ${MOUNT_PATH_MAX} characters`;
  if (!path.startsWith('/')) return 'must be an absolute path, like /var/lib/uploads';
  if (path === '/') return 'must not be / (the whole container)';
  if (path.endsWith('/')) return 'must not end with /';
  const segments = path.slice(1).split('/');
  for (const s of segments) {
    if (s === '') return 'must not contain //';
    if (s === '.' || s === '..') return 'must not contain . or .. segments';
    if (!SEGMENT.test(s))
      return 'may contain only letters, digits and . _ - @ + in each segment (no spaces, quotes, $, ; or :), not starting with - @ +';
  }
  for (const tree of FORBIDDEN_TREES)
    if (isUnder(path, tree)) return `must not be ${tree} or under it (the engine and Berth manage it)`;
  for (const file of ENGINE_FILES)
    if (path === file) return `must not be ${file} (the engine manages it in every container)`;
  return null;
}

/** One mount of a volume (by the volume's name in its team) in an app's containers. */
export interface VolumeMountSpec {
  volume: string;
  path: string;
}

export const VOLUME_MOUNTS_MAX = 8;

/**
 * Problems of an app's whole list of mounts, with the index of the mount each is about: every
 * path valid, no path twice, none inside another (the later one would hide or split the
 * earlier's data), no volume twice.
 */
export function mountListProblems(
  mounts: readonly VolumeMountSpec[],
): { index: number; field: 'volume' | 'path'; message: string }[] {
  const problems: { index: number; field: 'volume' | 'path'; message: string }[] = [];
  if (mounts.length > VOLUME_MOUNTS_MAX)
    problems.push({
      index: VOLUME_MOUNTS_MAX,
      field: 'path',
      message: `at most ${VOLUME_MOUNTS_MAX} volumes`,
    });
  mounts.forEach((m, index) => {
    const problem = mountPathProblem(m.path);
    if (problem !== null) {
      problems.push({ index, field: 'path', message: problem });
      return;
    }
    const earlier = mounts.slice(0, index);
    const twice = earlier.find((o) => o.volume === m.volume);
    const overlapping = earlier.find((o) => isUnder(m.path, o.path) || isUnder(o.path, m.path));
    if (twice !== undefined)
      problems.push({ index, field: 'volume', message: `volume "${m.volume}" is mounted twice` });
    else if (overlapping !== undefined)
      problems.push({ index, field: 'path', message: `overlaps the mount at ${overlapping.path}` });
  });
  return problems;
}
