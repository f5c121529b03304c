import { realpath } from 'node:fs/promises';
import { isPathWithin, sourceLocation } from '@berth/core';
import { BerthError, GIT_URL_PATTERN } from '@berth/protocol';
import type { TeamRow } from '@berth/store';
import { isInstallationOwner, type Principal } from './policy.js';

/**
 * Git sources on this machine (a path or `file://`) read the host's own files, so they are not
 * for every team. Outside the directories an installation owner allows (`berth up
 * --allow-local-sources DIR`), they are the installation's own: only its owners name them, and
 * only for apps of the default team. Inside an allowed directory, any team may build from them,
 * judged by the real path (a symbolic link leads nowhere outside). Anyone else is refused before
 * the path is touched, with one answer whether it exists or not.
 */
export interface LocalSourcePolicy {
  allowedDirs: readonly string[];
  defaultTeamId: string;
}

/** When an app is given a git source: by whom and for which team. */
export async function checkSourceOnCreate(
  url: string,
  who: { principal: Principal; team: TeamRow },
  policy: LocalSourcePolicy,
): Promise<void> {
  const ownersOwn =
    who.team.id === policy.defaultTeamId && isInstallationOwner(who.principal, policy.defaultTeamId);
  await localSourceFor(url, who.team, policy, ownersOwn);
}

/**
 * Before every build, for whoever triggered it (a person, a webhook): the source as git must
 * open it. A local one is the real path inside an allowed directory (so the check and the fetch
 * name the same directory), or, for the default team, what its owners gave.
 */
export function sourceForBuild(url: string, team: TeamRow, policy: LocalSourcePolicy): Promise<string> {
  return localSourceFor(url, team, policy, team.id === policy.defaultTeamId);
}

async function localSourceFor(
  url: string,
  team: TeamRow,
  policy: LocalSourcePolicy,
  ownersOwn: boolean,
): Promise<string> {
  const location = sourceLocation(url);
  if (location.kind === 'network') return url;
  if (location.kind === 'invalid') {
    throw new BerthError('VALIDATION_FAILED', `${url} is not a plain absolute path once decoded`, {
      issues: [{ path: 'git.url', message: 'must not contain . or .. segments, NUL or bad % escapes' }],
    });
  }
  if (ownersOwn) return url;
  const refused = notAllowed(url, team);
  // Lexically first, touching nothing: a path outside every allowed directory is refused as is.
  const candidates = policy.allowedDirs.filter((dir) => isPathWithin(location.path, dir));
  if (candidates.length === 0) throw refused;
  const real = await realpath(location.path).catch(() => null);
  if (real === null) throw refused;
  for (const dir of candidates) {
    const realDir = await realpath(dir).catch(() => null);
    if (realDir !== null && isPathWithin(real, realDir)) return asGitUrl(url, real, refused);
  }
  throw refused;
}

/** The real path in the form the source was given (a path, or a file:// URL). */
function asGitUrl(url: string, real: string, refused: BerthError): string {
  const out = url.startsWith('file://')
    ? `file://${real.split('/').map(encodeURIComponent).join('/')}`
    : real;
  if (!GIT_URL_PATTERN.test(out)) throw refused;
  return out;
}

const notAllowed = (url: string, team: TeamRow): BerthError =>
  new BerthError(
    'SOURCE_NOT_ALLOWED',
    `${url} is not in a directory of this machine that team ${team.name} may build from`,
    {
      hint: 'Use a URL of a git host (https://, ssh://), or ask an installation owner to allow the directory with: berth up --allow-local-sources DIR',
    },
  );
