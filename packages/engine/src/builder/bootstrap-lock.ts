/**
 * One bootstrap at a time per work dir: a lock file created exclusively (O_EXCL) holding the
 * owner's pid. A lock whose process is gone (a crash, a kill -9) is taken over. Two processes
 * finding the same stale lock at the same instant could both take it; they would then both
 * build, which wastes time but corrupts nothing (each build tags complete images).
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { BerthError } from '@berth/protocol';

const POLL_MS = 500;
const EMPTY_LOCK_STALE_MS = 5_000;

export async function withLock<T>(
  path: string,
  o: { signal: AbortSignal; onWait: (ownerPid: number) => void },
  fn: () => Promise<T>,
): Promise<T> {
  let told = false;
  for (;;) {
    if (o.signal.aborted) throw abortError(o.signal);
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    const owner = await ownerOf(path);
    if (owner === null ? await isOld(path) : !isAlive(owner)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (!told && owner !== null) o.onWait(owner);
    told = true;
    await sleep(POLL_MS, o.signal);
  }
  try {
    return await fn();
  } finally {
    if ((await ownerOf(path)) === process.pid) await unlink(path).catch(() => undefined);
  }
}

async function ownerOf(path: string): Promise<number | null> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM'); // alive, but someone else's
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An empty lock file is being written by its owner, unless it has been empty for a while. */
async function isOld(path: string): Promise<boolean> {
  const stats = await stat(path).catch(() => null);
  return stats !== null && Date.now() - stats.mtimeMs > EMPTY_LOCK_STALE_MS;
}

const abortError = (signal: AbortSignal): Error =>
  signal.reason instanceof Error
    ? signal.reason
    : new BerthError('BUILD_CANCELLED', 'The bootstrap was cancelled');

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === code;
}
