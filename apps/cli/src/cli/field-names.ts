/**
 * berthd names a bad field by its place in the request (`body.health.intervalMs`); a person typed
 * a flag (`--health-interval`). This maps one to the other, so a validation error reads in the
 * words of the command that was run. Pure.
 */

/** Fields whose flag is not their name. Keys are paths without the request part (`body.`). */
const FLAGS: Record<string, string> = {
  'health.type': '--health-type',
  'health.path': '--health-path',
  'health.intervalMs': '--health-interval',
  'health.timeoutMs': '--health-timeout',
  'health.probeTimeoutMs': '--health-probe-timeout',
  'limits.cpu': '--cpu',
  'limits.memoryMiB': '--memory',
  'limits.pids': '--pids',
  git: '--git',
  'git.url': '--git',
  'git.ref': '--branch/--tag/--commit',
  'git.token': '--git-token-stdin',
  passphrase: '--passphrase-stdin',
  'git.sshKey': '--git-ssh-key',
  ref: '--branch/--tag/--commit',
  command: 'the command after --',
  name: 'the name',
  app: 'the app name',
  email: 'the email',
  password: 'the password',
  toVersion: '--to',
  expiresInDays: '--expires',
  files: '--as-file',
  'idempotency-key': '--idempotency-key',
  certificatePem: '--cert',
  keyPem: '--key',
  redirectFrom: '--redirect-from',
  domains: '--domain',
  volumes: '--volume',
};

/** Fields given as KEY=VALUE pairs: the key is the part worth naming. */
const PAIRS: Record<string, (key: string) => string> = {
  env: (key) => `--env ${key}`,
  set: (key) => key,
  unset: () => 'a key to unset',
  files: (key) => `--as-file for ${key}`,
};

const REQUEST_PARTS = /^(?:body|querystring|params|headers)(?:\.|$)/;

/** The flag (or argument) a field path stands for; `null` for the request as a whole. */
export function flagOf(path: string): string | null {
  const field = path.replace(REQUEST_PARTS, '');
  if (field === '' || field === '(body)') return null;
  const exact = FLAGS[field];
  if (exact) return exact;
  const [head = '', ...rest] = field.split('.');
  const pair = PAIRS[head];
  if (pair && rest.length > 0) return pair(rest.join('.'));
  const prefix = Object.keys(FLAGS)
    .filter((k) => field.startsWith(`${k}.`))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix) return FLAGS[prefix] ?? null;
  // Anything else has a flag of its own name, in the CLI's spelling: `tail` → `--tail`.
  return /^[a-zA-Z]+$/.test(field) ? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : field;
}

/** Messages that read on from the field's name (`--port must be at most 65535`). */
const PREDICATE = /^(?:must|is|are|should|has|have|cannot|can|may|needs?)\b/;

/** One line per bad field, as the CLI prints it: `--port must be at most 65535`. */
export function describeIssue(issue: { path: string; message: string }): string {
  const flag = flagOf(issue.path);
  if (!flag) return issue.message;
  return PREDICATE.test(issue.message) ? `${flag} ${issue.message}` : `${flag}: ${issue.message}`;
}
