import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { App, GitRef } from '@berth/protocol';
import { gitUrlKind } from '@berth/protocol';

/**
 * "You have uncommitted changes": a git app builds what its repository has committed, never a
 * working tree's edits. When the app's repository is a local path on this machine (berthd runs
 * here too, and the URL is a path or file://), the CLI can look at that working tree before it
 * deploys a branch and say what will and will not be built. Anywhere else (a remote repository,
 * a remote berthd, `--from-dir`, which uploads the tree as it is) there is nothing it can see,
 * or nothing to warn about.
 */

/** The repository path an app builds from, when it is on this machine; else null. */
export function localRepoPath(source: App['source'], berthdUrl: string): string | null {
  if (!source || !isLoopbackUrl(berthdUrl)) return null;
  const kind = gitUrlKind(source.url);
  if (kind === 'path') return source.url.replace(/\/+$/, '') || '/';
  if (kind === 'file')
    return decodeURIComponent(source.url.slice('file://'.length)).replace(/\/+$/, '') || '/';
  return null;
}

function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

export interface WorkingTreeState {
  path: string;
  /** Files with uncommitted changes: modified, staged, deleted or new (not ignored). */
  changed: number;
  /** The branch the working tree has checked out; null when detached. */
  checkedOut: string | null;
  /** What the deploy builds: the branch's tip now. */
  builds: { branch: string; commit: string; subject: string };
}

/** The message, or null when the working tree has nothing uncommitted. Pure. */
export function workingTreeWarning(s: WorkingTreeState): string | null {
  if (s.changed === 0) return null;
  const files = `${s.changed} file${s.changed === 1 ? '' : 's'}`;
  const elsewhere =
    s.checkedOut && s.checkedOut !== s.builds.branch ? ` (it has ${s.checkedOut} checked out)` : '';
  return [
    `warning: ${s.path} has uncommitted changes (${files})${elsewhere}; they are not deployed.`,
    `  Deploying ${s.builds.branch} at ${s.builds.commit.slice(0, 12)}: ${s.builds.subject}`,
    `  To deploy them, commit them to ${s.builds.branch} first.`,
  ].join('\n');
}

const run = promisify(execFile);

/**
 * `git` as the user runs it on their own repository, with git's own refusal of a repository
 * another user owns left in place, the fsmonitor hook off and no lock taken.
 */
async function git(path: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-C', path, '--no-optional-locks', '-c', 'core.fsmonitor=false', ...args],
    { timeout: 5000, maxBuffer: 4 * 1024 * 1024 },
  );
  return stdout;
}

/**
 * The working tree at `path` and what a deploy of `ref` builds from it; null when it cannot
 * tell (not a working tree, a bare repository, git refused or is missing, no such branch) or
 * when the ref is not a branch (a tag or a commit is what the user asked for, exactly).
 */
export async function inspectWorkingTree(path: string, ref: GitRef): Promise<WorkingTreeState | null> {
  if (ref.kind !== 'branch') return null;
  try {
    if ((await git(path, ['rev-parse', '--is-inside-work-tree'])).trim() !== 'true') return null;
    const status = await git(path, ['status', '--porcelain=v1', '-z', '--untracked-files=normal']);
    const changed = status.split('\0').filter((entry) => /^[ MADRCU?!]{2} /.test(entry)).length;
    const head = (await git(path, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
    const tip = (
      await git(path, ['log', '-1', '--format=%H %s', '--end-of-options', `refs/heads/${ref.name}`])
    ).trim();
    const space = tip.indexOf(' ');
    if (space < 0) return null;
    return {
      path,
      changed,
      checkedOut: head || null,
      builds: { branch: ref.name, commit: tip.slice(0, space), subject: tip.slice(space + 1) },
    };
  } catch {
    return null;
  }
}
