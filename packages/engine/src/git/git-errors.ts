/**
 * What a failed git command means, from its stderr. Git's wording is stable enough (LC_ALL=C) to
 * tell the cases apart that a person fixes differently: a wrong name, missing access, a host
 * that cannot be reached. Pure.
 */

export type GitFailureKind =
  | 'ref-not-found'
  | 'auth'
  | 'repo-not-found'
  | 'unreachable'
  | 'host-key'
  | 'unadvertised-object'
  | 'shallow-unsupported'
  | 'other';

const RULES: { kind: GitFailureKind; pattern: RegExp }[] = [
  { kind: 'shallow-unsupported', pattern: /does not support shallow|shallow .*not supported/i },
  {
    kind: 'unadvertised-object',
    pattern:
      /unadvertised object|not our ref|no such remote ref [0-9a-f]{40}|couldn't find remote ref [0-9a-f]{40}\b/i,
  },
  { kind: 'ref-not-found', pattern: /couldn't find remote ref|no such remote ref|invalid refspec/i },
  { kind: 'host-key', pattern: /host key verification failed|remote host identification has changed/i },
  {
    kind: 'auth',
    pattern:
      /authentication failed|could not read (username|password)|terminal prompts disabled|permission denied \(publickey|access denied|invalid username or password|\b40[13]\b|unauthorized|forbidden/i,
  },
  {
    kind: 'repo-not-found',
    pattern:
      /repository not found|does not appear to be a git repository|not a git repository|\b404\b|not found/i,
  },
  {
    kind: 'unreachable',
    pattern:
      /could not resolve host|connection refused|connection timed out|timed out|network is unreachable|no route to host|could not connect|failed to connect|connection reset|ssl|certificate/i,
  },
];

export function classifyGitFailure(stderrLines: readonly string[]): GitFailureKind {
  const text = stderrLines.join('\n');
  return RULES.find((r) => r.pattern.test(text))?.kind ?? 'other';
}

/** The last line that says something: git ends with `fatal: …` or `error: …`. */
export function lastMeaningfulLine(lines: readonly string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').trim();
    if (/^(fatal|error):/i.test(line)) return line;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').trim();
    if (line !== '') return line;
  }
  return 'no output';
}

export interface FailureText {
  summary: string;
  hint: string;
}

/** What failed and what to do, for the message and hint of a GIT_FAILED error. */
export function describeGitFailure(kind: GitFailureKind, what: string, url: string): FailureText {
  switch (kind) {
    case 'ref-not-found':
      return {
        summary: `${what} not found in ${url}`,
        hint: `Check the name; \`git ls-remote ${url}\` lists the branches and tags.`,
      };
    case 'unadvertised-object':
      return {
        summary: `${what} cannot be fetched from ${url}`,
        hint: 'The commit may not exist, or not be reachable from any branch; check the SHA.',
      };
    case 'auth':
      return {
        summary: `authentication failed for ${url}`,
        hint: 'Give the app a git token with read access to the repository, or a deploy key for ssh URLs; check that it has not expired.',
      };
    case 'repo-not-found':
      return {
        summary: `repository ${url} not found`,
        hint: 'Check the URL. Hosts such as GitHub also answer "not found" for private repositories when no token is given.',
      };
    case 'unreachable':
      return {
        summary: `cannot reach ${url}`,
        hint: 'Check that the server can reach the git host (DNS, firewall, proxy) and that the URL is right.',
      };
    case 'host-key':
      return {
        summary: `the ssh host key of ${url} could not be verified`,
        hint: "The host's key changed since Berth first connected. If that is expected, delete .git/berth_known_hosts in the app's work dir.",
      };
    case 'shallow-unsupported':
    case 'other':
      return {
        summary: `fetching ${what} from ${url} failed`,
        hint: 'See the log lines for what git said.',
      };
  }
}
