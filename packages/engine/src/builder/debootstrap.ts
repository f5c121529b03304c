/**
 * The Debian root file system for the debian base image: `debootstrap --variant=minbase` into a
 * temp dir (needs root), trimmed, then streamed as a tar (GNU tar keeps owners, modes, device
 * nodes and hard links, which a rootfs has and a build context must not). Every process is an
 * argv array; an abort kills the whole process group.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '@berth/protocol';

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';
const MIRROR_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~%/+-]*)?$/;
const KEEP_LINES = 30;

/** The first http(s) mirror the host's apt uses for `suite`: lines of sources.list, deb822 .sources stanzas. */
export function toMirror(sourceFiles: readonly string[], suite: string): string | null {
  for (const text of sourceFiles) {
    for (const line of text.split('\n')) {
      const words = line
        .replace(/#.*/, '')
        .replace(/\[[^\]]*\]/, '')
        .trim()
        .split(/\s+/);
      if (words[0] === 'deb' && words[2] === suite && MIRROR_PATTERN.test(words[1] ?? ''))
        return words[1] ?? null;
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string): string[] => {
        const match = new RegExp(`^${name}:(.*)$`, 'im').exec(stanza.replace(/^#.*$/gm, ''));
        return (match?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
      };
      if (!field('Types').includes('deb') || !field('Suites').includes(suite)) continue;
      const uri = field('URIs').find((u) => MIRROR_PATTERN.test(u));
      if (uri !== undefined) return uri;
    }
  }
  return null;
}

/** The host's mirror for `suite` from /etc/apt, else Debian's CDN. */
export async function findDebianMirror(suite: string): Promise<string> {
  const files: string[] = [];
  const read = (path: string): Promise<void> =>
    readFile(path, 'utf8').then(
      (text) => void files.push(text),
      () => undefined,
    );
  await read('/etc/apt/sources.list');
  const dir = '/etc/apt/sources.list.d';
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    if (name.endsWith('.sources') || name.endsWith('.list')) await read(join(dir, name));
  }
  return toMirror(files, suite) ?? DEFAULT_DEBIAN_MIRROR;
}

export function checkMirror(mirror: string): void {
  if (!MIRROR_PATTERN.test(mirror)) {
    throw new BerthError('VALIDATION_FAILED', `Invalid Debian mirror URL: ${JSON.stringify(mirror)}`, {
      hint: 'Give an http:// or https:// URL such as http://deb.debian.org/debian.',
    });
  }
}

export interface DebootstrapOptions {
  suite: string;
  variant: string;
  mirror: string;
  /** An empty dir to build the root file system in. */
  target: string;
  signal: AbortSignal;
  onLine: (line: string) => void;
}

export async function runDebootstrap(o: DebootstrapOptions): Promise<void> {
  checkMirror(o.mirror);
  if (process.getuid?.() !== 0) {
    throw new BerthError(
      'BUILD_FAILED',
      'Building the debian base image needs root (debootstrap creates a whole system)',
      {
        hint: 'Run the bootstrap as root, e.g. `sudo berth images bootstrap`.',
      },
    );
  }
  const args = [`--variant=${o.variant}`, o.suite, o.target, o.mirror];
  const lines: string[] = [];
  const code = await run('debootstrap', args, o, (line) => {
    lines.push(line);
    if (lines.length > KEEP_LINES) lines.shift();
    o.onLine(line);
  }).catch((err: unknown) => {
    if (isErrno(err, 'ENOENT')) {
      throw new BerthError(
        'BUILD_BASE_IMAGE_MISSING',
        'Building the debian base image needs debootstrap, which is not installed',
        {
          hint: 'Install it (Debian, Ubuntu: `apt-get install debootstrap`) and run the bootstrap again.',
        },
      );
    }
    throw err;
  });
  if (code !== 0) {
    throw new BerthError(
      'BUILD_FAILED',
      `debootstrap failed (exit ${code}): ${lines.at(-1) ?? 'no output'}`,
      {
        logs: lines,
        hint: `Check that ${o.mirror} is reachable from this server; ${join(o.target, 'debootstrap', 'debootstrap.log')} has the details while the bootstrap runs.`,
      },
    );
  }
  // Package lists and downloaded packages are stale the moment the image exists.
  for (const dir of ['var/lib/apt/lists', 'var/cache/apt/archives']) {
    for (const name of await readdir(join(o.target, dir)).catch(() => [] as string[])) {
      if (name !== 'partial' && name !== 'lock')
        await rm(join(o.target, dir, name), { recursive: true, force: true });
    }
  }
}

/** The root file system as a tar stream; `done` settles when tar exits. */
export function tarRootfs(dir: string, signal: AbortSignal): { stream: Readable; done: Promise<void> } {
  const child = spawn('tar', ['--numeric-owner', '-C', dir, '-c', '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk.slice(0, 4096)));
  const done = exitCode(child, signal).then((code) => {
    if (code !== 0)
      throw new BerthError('BUILD_FAILED', `tar of the Debian root file system failed: ${stderr.trim()}`);
  });
  done.catch(() => undefined);
  return { stream: child.stdout, done };
}

/**
 * Removes a debootstrap target. debootstrap mounts /proc and /sys inside it and an interrupted
 * run leaves them mounted: those are unmounted first, and nothing is removed while any remain.
 */
export async function removeRootfs(dir: string): Promise<void> {
  const mounted = async (): Promise<string[]> =>
    (await readFile('/proc/self/mounts', 'utf8'))
      .split('\n')
      .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
      .filter((point) => point === dir || point.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
  for (const point of await mounted()) {
    await run('umount', ['--lazy', point], { signal: new AbortController().signal }, () => undefined).catch(
      () => 1,
    );
  }
  const left = await mounted();
  if (left.length > 0) {
    throw new BerthError('INTERNAL', `Cannot remove ${dir}: ${left.join(', ')} still mounted`, {
      hint: `Unmount them (umount -l PATH) and remove ${dir} by hand.`,
    });
  }
  await rm(dir, { recursive: true, force: true });
}

function run(
  file: string,
  args: string[],
  o: { signal: AbortSignal },
  onLine: (line: string) => void,
): Promise<number | null> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\n');
      pending = parts.pop() ?? '';
      parts.filter((p) => p.trim() !== '').forEach(onLine);
    });
    stream.on('end', () => pending.trim() !== '' && onLine(pending));
  }
  return exitCode(child, o.signal);
}

/** Resolves with the exit code; an abort kills the child's process group and rejects. */
function exitCode(child: ChildProcess, signal: AbortSignal): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    if (signal.aborted) kill();
    signal.addEventListener('abort', kill, { once: true });
    child.once('error', (err) => {
      signal.removeEventListener('abort', kill);
      reject(err);
    });
    child.once('close', (code) => {
      signal.removeEventListener('abort', kill);
      if (signal.aborted) reject(signal.reason as Error);
      else resolve(code);
    });
  });
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === code;
}
