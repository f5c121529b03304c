/**
 * The environment and global options every git process of Berth runs with. Pure.
 *
 * Git reads configuration and helpers from many places a host (or an earlier, hostile build) can
 * influence: system and global config files, GIT_* variables (GIT_DIR, GIT_SSH_COMMAND,
 * GIT_EXEC_PATH, …), hooks. A fetch runs with none of them: a fresh HOME, no config files, a
 * minimal environment, hooks disabled and only the transports our URL patterns allow.
 */

export type ProcessEnv = Readonly<Record<string, string | undefined>>;

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Taken from the caller's environment: where programs are, and how to reach the network. */
const PASSED_THROUGH = [
  'PATH',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/** `-c` options before every git subcommand. */
export const GIT_GLOBAL_ARGS: readonly string[] = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'submodule.recurse=false',
  '-c',
  'fetch.recurseSubmodules=false',
  '-c',
  'init.defaultBranch=berth',
  '-c',
  'advice.detachedHead=false',
  // A detached gc would outlive the process we kill on abort.
  '-c',
  'gc.autoDetach=false',
];

export interface GitEnvOptions {
  /** An empty directory of our own: git and ssh look for config and keys under HOME. */
  home: string;
  base?: ProcessEnv;
  /** The `Authorization` header for the remote's origin, e.g. from authHeader(). */
  auth?: { origin: string; header: string };
  ssh?: { keyFile: string | null; knownHostsFile: string };
}

export function toGitEnv(o: GitEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = o.base?.[key];
    if (value !== undefined && value !== '') env[key] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  Object.assign(env, {
    HOME: o.home,
    XDG_CONFIG_HOME: `${o.home}/.config`,
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_SYSTEM: '/dev/null',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    GIT_ALLOW_PROTOCOL: 'http:https:ssh:file',
  });
  if (o.auth) {
    // In the environment, not argv: other users can read a process's argv (ps), not its env.
    // Scoped to the remote's origin so a redirect or another host never receives it.
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = `http.${o.auth.origin}/.extraHeader`;
    env.GIT_CONFIG_VALUE_0 = o.auth.header;
  }
  if (o.ssh) env.GIT_SSH_COMMAND = toSshCommand(o.ssh.keyFile, o.ssh.knownHostsFile);
  return env;
}

/** GitHub, GitLab, Gitea and Bitbucket all take a token as the password of basic auth. */
export function authHeader(token: string): string {
  return `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
}

/** `scheme://host[:port]` of an http(s) URL, or null for other transports. */
export function httpOrigin(url: string): string | null {
  if (!/^https?:\/\//.test(url)) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * git runs GIT_SSH_COMMAND through `sh -c`, so each of our paths is quoted. BatchMode: never
 * prompt; accept-new: trust a host on first use and pin its key in the app's known_hosts.
 */
export function toSshCommand(keyFile: string | null, knownHostsFile: string): string {
  const args = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new'];
  args.push('-o', `UserKnownHostsFile=${knownHostsFile}`);
  if (keyFile !== null) args.push('-i', keyFile, '-o', 'IdentitiesOnly=yes');
  return args.map(shellQuote).join(' ');
}

const shellQuote = (s: string): string =>
  /^[A-Za-z0-9_./=:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;

/** Replaces every secret (and its encodings that git could print) with `***`. */
export function createScrubber(secrets: readonly string[]): (text: string) => string {
  const needles = secrets
    .filter((s) => s.length >= 4)
    .flatMap((s) => [s, encodeURIComponent(s), Buffer.from(`x-access-token:${s}`).toString('base64')]);
  const unique = [...new Set(needles)].sort((a, b) => b.length - a.length);
  return (text) => unique.reduce((out, needle) => out.split(needle).join('***'), text);
}
