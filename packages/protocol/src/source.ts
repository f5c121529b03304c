import { z } from 'zod';
import { Env, HttpPath, ImageRef, Port, Replicas } from './names.js';

/**
 * Where an app's code comes from and how it is built. Git URLs and refs end up as arguments of
 * `git`; a value that starts with `-`, or names a transport like `ext::`, would make git run a
 * command. So only the forms below pass, and credentials never ride in a URL (they would be
 * stored and logged with it): tokens and deploy keys are given separately and kept encrypted.
 */

const HOST =
  '(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])';
const PORT = '(?::[0-9]{1,5})?';
const SEGMENT = '[A-Za-z0-9._~+%@=-]+';
const PATH = `(?:/${SEGMENT})+/?`;
const USER = '[A-Za-z0-9_][A-Za-z0-9._-]*';

const FORMS = {
  https: `https?://${HOST}${PORT}${PATH}`,
  ssh: `ssh://(?:${USER}@)?${HOST}${PORT}${PATH}`,
  /** scp-like: `git@github.com:acme/api.git`. */
  scp: `${USER}@${HOST}:(?!/)${SEGMENT}(?:/${SEGMENT})*/?`,
  file: `file://${PATH}`,
  path: PATH,
} as const;

export type GitUrlKind = keyof typeof FORMS;

export const GIT_URL_PATTERNS = Object.fromEntries(
  Object.entries(FORMS).map(([k, v]) => [k, new RegExp(`^${v}$`)]),
) as Record<GitUrlKind, RegExp>;

/**
 * Every accepted form in one pattern (so the JSON schema in openapi.yaml says what the server
 * checks): no credentials in the authority, no ".." segment, then one of the forms.
 */
export const GIT_URL_PATTERN = new RegExp(
  `^(?![A-Za-z]+://[^/]*:[^/]*@)(?!(?:.*/)?\\.\\.(?:/|$))(?:${Object.values(FORMS).join('|')})$`,
);

/** Which form a URL has, or null when it is none of the accepted ones. */
export function gitUrlKind(url: string): GitUrlKind | null {
  if (url.length > 1024 || !GIT_URL_PATTERN.test(url)) return null;
  for (const [kind, pattern] of Object.entries(GIT_URL_PATTERNS)) {
    if (pattern.test(url)) return kind as GitUrlKind;
  }
  return null;
}

/**
 * Whether credentials (a token) may travel to this git URL: over https, or over plain http only
 * to a loopback address, which never leaves the machine. Anywhere else plain http would hand the
 * token to everyone on the way.
 */
export function mayCarryCredentials(url: string): boolean {
  if (!url.startsWith('http://')) return true;
  const host = /^http:\/\/([^/:]+|\[[^\]]+\])/.exec(url)?.[1]?.toLowerCase() ?? '';
  return host === 'localhost' || host === '[::1]' || /^127(?:\.[0-9]{1,3}){3}$/.test(host);
}

export const GitUrl = z
  .string()
  .max(1024, { message: 'must be at most 1024 characters' })
  .regex(GIT_URL_PATTERN, {
    message:
      'must be an https://, http://, ssh://, user@host:path, file:// URL or an absolute path, without credentials (give a token with --git-token-stdin), spaces, quotes, shell characters or ".." segments',
  });

/** A branch or tag name, by git's check-ref-format rules and stricter (ASCII, no leading "-"). */
export const GIT_REF_NAME_PATTERN =
  /^(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)(?!.*[./]$)[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$/;
export const GitRefName = z.string().regex(GIT_REF_NAME_PATTERN, {
  message:
    'must be a branch or tag name of letters, digits and . _ / - (not starting with "-" or ".", no "..")',
});

export const COMMIT_SHA_PATTERN = /^[0-9a-f]{40}$/;
export const CommitSha = z.string().regex(COMMIT_SHA_PATTERN, {
  message: 'must be a full commit SHA (40 lowercase hex digits)',
});

export const GitRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('branch'), name: GitRefName }).strict(),
  z.object({ kind: z.literal('tag'), name: GitRefName }).strict(),
  z.object({ kind: z.literal('commit'), name: CommitSha }).strict(),
]);
export type GitRef = z.infer<typeof GitRef>;

export const GitSource = z
  .object({
    type: z.literal('git'),
    url: GitUrl,
    ref: GitRef,
  })
  .strict();
export type GitSource = z.infer<typeof GitSource>;

export const BUILDERS = ['dockerfile', 'node', 'python', 'static', 'go'] as const;
export const BuilderName = z.enum(BUILDERS);
export type BuilderName = z.infer<typeof BuilderName>;

/** A path inside the source tree: relative, no "..", no leading "/". */
export const REL_PATH_PATTERN = /^(?!.*(?:^|\/)\.\.(?:\/|$))(?!\/)[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*$/;
export const RelPath = z
  .string()
  .max(256, { message: 'must be at most 256 characters' })
  .regex(REL_PATH_PATTERN, {
    message: 'must be a relative path inside the source (letters, digits, . _ @ + - and /; no "..")',
  });

/**
 * A build or start command from berth.yaml: run by `sh -c` inside the image, like a Dockerfile's
 * RUN. One line: it is written into a generated Dockerfile, where a newline would start a new
 * instruction.
 */
export const ShellCommand = z
  .string()
  .min(1)
  .max(4096, { message: 'must be at most 4096 characters' })
  .refine((s) => !/[\0-\x1f\x7f]/.test(s), {
    message: 'must be one line, without control characters',
  });

/** `berth.yaml` at the root of the source. Unknown keys are errors, named with their path. */
export const BerthManifest = z
  .object({
    builder: BuilderName.optional(),
    /** The Dockerfile to build, when it is not `Dockerfile` or `Containerfile` at the root. */
    dockerfile: RelPath.optional(),
    /** The image a detected build starts from, instead of Berth's base image for the builder. */
    base_image: ImageRef.optional(),
    build: ShellCommand.optional(),
    start: ShellCommand.optional(),
    port: Port.optional(),
    health_path: HttpPath.optional(),
    /** Defaults: env set on the app wins. */
    env: Env.optional(),
    replicas: Replicas.optional(),
  })
  .strict();
export type BerthManifest = z.infer<typeof BerthManifest>;
