/**
 * Fetching an app's source into its work dir: a shallow fetch of exactly one ref or commit, then
 * a forced, clean checkout. The work dir is kept between builds, so later fetches only transfer
 * what changed. Every value from a user is validated again here (defence in depth), and git runs
 * as described in ./git-env.ts.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError, COMMIT_SHA_PATTERN, GitRef, gitUrlKind, mayCarryCredentials } from '@berth/protocol';
import { authHeader, createScrubber, httpOrigin, toGitEnv } from './git-env.js';
import type { ProcessEnv } from './git-env.js';
import { classifyGitFailure, describeGitFailure, lastMeaningfulLine } from './git-errors.js';
import type { GitFailureKind } from './git-errors.js';
import { runGit } from './run-git.js';
import type { GitResult } from './run-git.js';

export interface GitCredentials {
  token?: string;
  sshPrivateKey?: string;
}

export interface FetchSourceOptions {
  url: string;
  ref: GitRef;
  /** Expected exact commit (e.g. from a webhook); fetched and checked out instead of the ref's tip. */
  commit?: string;
  /**
   * With `commit`: fetch the ref's tip, and build it only if it is `commit` (a webhook's push
   * that is still current); otherwise fail with BUILD_COMMIT_NOT_TIP and check nothing out.
   */
  requireTip?: boolean;
  /** A work dir kept per app between builds: reused for incremental fetches. */
  dir: string;
  credentials?: GitCredentials;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  timeoutMs?: number;
  /** The process environment (from main.ts): only PATH and proxy settings are taken from it. */
  env?: ProcessEnv;
}

export interface FetchedSource {
  commit: string;
  subject: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const LOG_LINES = 20;

interface Session {
  url: string;
  dir: string;
  what: string;
  env: Record<string, string>;
  signal: AbortSignal;
  onLine: (line: string) => void;
  scrub: (text: string) => string;
}

export async function fetchSource(o: FetchSourceOptions): Promise<FetchedSource> {
  const { ref, want } = validate(o);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  const home = await mkdtemp(join(tmpdir(), 'berth-git-'));
  const scrub = createScrubber(o.credentials?.token ? [o.credentials.token] : []);
  try {
    await mkdir(o.dir, { recursive: true });
    const s: Session = {
      url: o.url,
      dir: o.dir,
      what: want === null ? `${ref.kind} ${ref.name}` : `commit ${want}`,
      env: await sessionEnv(o, home),
      signal,
      onLine: o.onLine ?? (() => undefined),
      scrub,
    };
    await prepareRepo(s);
    const rev =
      want === null
        ? await fetchRef(s, ref)
        : o.requireTip
          ? await fetchTip(s, ref, want)
          : await fetchCommit(s, ref, want);
    await git(s, ['checkout', '--force', '--detach', rev, '--'], 'checking out');
    await git(s, ['clean', '-ffdx', '--quiet'], 'cleaning the work tree');
    const commit = (
      await git(s, ['rev-parse', '--verify', '--end-of-options', 'HEAD^{commit}'], 'reading HEAD')
    ).stdout.trim();
    if (want !== null && commit !== want && !o.requireTip) {
      throw gitError(
        `checked out ${commit} instead of the expected commit ${want}`,
        [],
        'This is a bug; please report it.',
      );
    }
    const subject = (
      await git(s, ['log', '-1', '--format=%s', 'HEAD', '--'], 'reading the commit subject')
    ).stdout.trim();
    return { commit, subject };
  } catch (err) {
    throw abortReason(err, o.signal, timeout, timeoutMs, o.url);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function validate(o: FetchSourceOptions): { ref: GitRef; want: string | null } {
  const kind = gitUrlKind(o.url);
  // git refuses ssh hosts starting with "-" itself; an argument-like user part is refused here too.
  if (kind === null || /^-|@-|\/\/-/.test(o.url)) {
    throw gitError(
      `refusing to fetch from ${JSON.stringify(o.url)}: not an accepted git URL`,
      [],
      'Use an https://, ssh://, user@host:path or file:// URL, or an absolute path.',
    );
  }
  const parsed = GitRef.safeParse(o.ref);
  if (!parsed.success) {
    throw gitError(
      `refusing to fetch ${JSON.stringify(o.ref)}: not a valid branch, tag or commit`,
      [],
      'Branch and tag names are letters, digits and . _ / - ; commits are 40 hex digits.',
    );
  }
  if (o.commit !== undefined && !COMMIT_SHA_PATTERN.test(o.commit)) {
    throw gitError(
      `refusing to fetch commit ${JSON.stringify(o.commit)}: not a full commit SHA`,
      [],
      'Give the 40-hex-digit SHA.',
    );
  }
  if (!o.dir.startsWith('/'))
    throw gitError(`the work dir must be an absolute path, got ${JSON.stringify(o.dir)}`, [], '');
  const ref = parsed.data;
  const want = o.commit ?? (ref.kind === 'commit' ? ref.name : null);
  return { ref, want };
}

async function sessionEnv(o: FetchSourceOptions, home: string): Promise<Record<string, string>> {
  const origin = httpOrigin(o.url);
  const token = o.credentials?.token;
  if (token && !mayCarryCredentials(o.url)) {
    throw gitError(
      `refusing to send the token for ${o.url} over plain http`,
      [],
      'Use the https:// URL of the repository.',
    );
  }
  const auth = token && origin !== null ? { origin, header: authHeader(token) } : undefined;
  const kind = gitUrlKind(o.url);
  let ssh: { keyFile: string | null; knownHostsFile: string } | undefined;
  if (kind === 'ssh' || kind === 'scp') {
    let keyFile: string | null = null;
    if (o.credentials?.sshPrivateKey) {
      keyFile = join(home, 'deploy_key');
      const key = o.credentials.sshPrivateKey.replace(/\r\n/g, '\n');
      await writeFile(keyFile, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600 });
    }
    // Kept in the work dir's .git, which `git clean` leaves alone: a host is trusted on first use
    // per app, and a changed key is noticed afterwards.
    ssh = { keyFile, knownHostsFile: join(o.dir, '.git', 'berth_known_hosts') };
  }
  return toGitEnv({ home, base: o.env, auth, ssh });
}

async function prepareRepo(s: Session): Promise<void> {
  if (!(await exists(join(s.dir, '.git', 'HEAD')))) {
    await git(s, ['init', '--quiet'], 'initialising the work dir');
  }
  // Left behind when an earlier fetch was killed; builds of one app never run at the same time.
  for (const lock of ['index.lock', 'shallow.lock', 'HEAD.lock']) {
    await rm(join(s.dir, '.git', lock), { force: true });
  }
}

const refspecOf = (ref: GitRef): string[] => {
  switch (ref.kind) {
    case 'branch':
      return [`refs/heads/${ref.name}`];
    case 'tag':
      return [`refs/tags/${ref.name}`];
    case 'commit':
      return ['+refs/heads/*:refs/berth/heads/*'];
  }
};

/**
 * By SHA first (servers speaking protocol v2, or allowing any SHA, answer that); else the ref's
 * whole history, then the commit must be in it.
 */
async function fetchCommit(s: Session, ref: GitRef, want: string): Promise<string> {
  const direct = await tryFetch(s, ['--depth', '1'], [want]);
  if (direct.code === 0) return want;
  if (!RETRY_WITH_HISTORY.has(classifyGitFailure(direct.stderr))) throw fetchError(s, direct);
  const where = ref.kind === 'commit' ? 'all branches' : `${ref.kind} ${ref.name}`;
  s.onLine(`Fetching ${want} by itself failed; fetching the history of ${where} instead`);
  const shallow = await git(s, ['rev-parse', '--is-shallow-repository'], 'inspecting the work dir');
  const full = await tryFetch(s, shallow.stdout.trim() === 'true' ? ['--unshallow'] : [], refspecOf(ref));
  if (full.code !== 0) throw fetchError(s, full);
  const found = await runGit(['cat-file', '-e', '--end-of-options', `${want}^{commit}`], runOptions(s));
  if (found.code !== 0) {
    throw gitError(
      `commit ${want} not found in ${s.url}`,
      direct.stderr,
      `It is not in the history of ${where}; check the SHA, or push it.`,
    );
  }
  return want;
}

/**
 * The ref's tip, when it is `want` (a tag's tip may be the tag object `want` names, or the commit
 * it points to); else BUILD_COMMIT_NOT_TIP. Comparing after the fetch is what makes an old,
 * validly signed push that is replayed build nothing, while a force-push (its commit is the
 * tip, though older than what was built before) builds.
 */
async function fetchTip(s: Session, ref: GitRef, want: string): Promise<string> {
  if (ref.kind === 'commit') throw gitError('a pinned commit has no tip to compare with', [], '');
  const tip = await fetchRef(s, ref);
  const read = async (rev: string): Promise<string> =>
    (
      await git(s, ['rev-parse', '--verify', '--end-of-options', rev], 'reading the fetched tip')
    ).stdout.trim();
  const object = await read(tip);
  const commit = await read(`${tip}^{commit}`);
  if (object !== want && commit !== want) {
    throw new BerthError(
      'BUILD_COMMIT_NOT_TIP',
      `the pushed commit ${want.slice(0, 12)} is not the tip of ${ref.kind} ${ref.name} (now ${commit.slice(0, 12)})`,
      {
        hint: 'A newer push (or a replay of an old one): only the tip is built. Deploy it with: berth deploy APP',
      },
    );
  }
  return commit;
}

/** Failures after which the commit may still be found in the ref's history. */
const RETRY_WITH_HISTORY = new Set<GitFailureKind>(['unadvertised-object', 'ref-not-found', 'other']);

async function fetchRef(s: Session, ref: GitRef): Promise<string> {
  const result = await tryFetch(s, ['--depth', '1'], refspecOf(ref));
  if (result.code !== 0) throw fetchError(s, result);
  return 'FETCH_HEAD';
}

/** git fetch, retried without shallow options for servers that cannot do them (dumb HTTP). */
async function tryFetch(s: Session, depth: string[], refspecs: string[]): Promise<GitResult> {
  const args = (d: string[]): string[] => [
    'fetch',
    '--no-tags',
    '--progress',
    '--no-recurse-submodules',
    ...d,
    '--end-of-options',
    s.url,
    ...refspecs,
  ];
  const first = await runGit(args(depth), runOptions(s));
  if (first.code === 0 || depth.length === 0) return first;
  if (classifyGitFailure(first.stderr) !== 'shallow-unsupported') return first;
  return runGit(args([]), runOptions(s));
}

const runOptions = (s: Session): Parameters<typeof runGit>[1] => ({
  cwd: s.dir,
  env: s.env,
  signal: s.signal,
  onLine: s.onLine,
  scrub: s.scrub,
});

async function git(s: Session, args: string[], doing: string): Promise<GitResult> {
  const result = await runGit(args, runOptions(s));
  if (result.code === 0) return result;
  throw gitError(
    `${doing} failed: ${lastMeaningfulLine(result.stderr)}`,
    result.stderr,
    'See the log lines for what git said.',
  );
}

function fetchError(s: Session, result: GitResult): BerthError {
  const { summary, hint } = describeGitFailure(classifyGitFailure(result.stderr), s.what, s.url);
  return gitError(`${summary}: ${lastMeaningfulLine(result.stderr)}`, result.stderr, hint);
}

function gitError(message: string, lines: readonly string[], hint: string): BerthError {
  return new BerthError('GIT_FAILED', message, { logs: lines.slice(-LOG_LINES), hint: hint || undefined });
}

/** A caller's abort keeps its reason (a BerthError such as BUILD_TIMEOUT) or becomes BUILD_CANCELLED. */
function abortReason(
  err: unknown,
  signal: AbortSignal | undefined,
  timeout: AbortSignal,
  timeoutMs: number,
  url: string,
): unknown {
  if (signal?.aborted) {
    if (signal.reason instanceof BerthError) return signal.reason;
    return new BerthError('BUILD_CANCELLED', `Fetching ${url} was cancelled`);
  }
  if (timeout.aborted) {
    return new BerthError(
      'GIT_FAILED',
      `fetching ${url} did not finish within ${Math.round(timeoutMs / 1000)} s`,
      {
        hint: 'The repository may be very large or the git host slow; try again, or raise the fetch timeout.',
      },
    );
  }
  return err;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
