/**
 * The CA's problem documents, read defensively (they come from the network) and written into one
 * line a person can act on: which name, what kind of failure, and the CA's own words.
 */
import type { AcmeProblem } from './types.js';

const ACME_ERROR_PREFIX = 'urn:ietf:params:acme:error:';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A problem document, or null when `value` is not one. */
export function parseAcmeProblem(value: unknown): AcmeProblem | null {
  if (!isRecord(value) || (typeof value.type !== 'string' && typeof value.detail !== 'string')) return null;
  const identifier = isRecord(value.identifier) ? value.identifier : null;
  const subproblems = Array.isArray(value.subproblems) ? value.subproblems : [];
  return {
    type: text(value.type),
    detail: text(value.detail),
    ...(typeof value.status === 'number' ? { status: value.status } : {}),
    ...(identifier ? { identifier: { type: text(identifier.type), value: text(identifier.value) } } : {}),
    subproblems: subproblems.map(parseAcmeProblem).filter((p): p is AcmeProblem => p !== null),
  };
}

/** `unauthorized` for `urn:ietf:params:acme:error:unauthorized`; other types as they are. */
export const shortProblemType = (type: string): string =>
  type.startsWith(ACME_ERROR_PREFIX) ? type.slice(ACME_ERROR_PREFIX.length) : type;

/** `unauthorized: <detail> [x.test: dns: <detail>; …]` */
export function formatAcmeProblem(problem: AcmeProblem): string {
  const head = `${shortProblemType(problem.type) || 'error'}: ${problem.detail || '(no detail)'}`;
  if (problem.subproblems.length === 0) return head;
  const parts = problem.subproblems.map(
    (sub) => `${sub.identifier?.value ?? '?'}: ${shortProblemType(sub.type)}: ${sub.detail}`,
  );
  return `${head} [${parts.join('; ')}]`;
}

/** Every type in the document, subproblems included, short form. */
export const problemTypes = (problem: AcmeProblem): string[] => [
  shortProblemType(problem.type),
  ...problem.subproblems.flatMap(problemTypes),
];

/**
 * The next thing to check for a failure of this kind; `challenge` is the kind that failed, when
 * a validation failed (a DNS-01 failure is about the TXT record, not about where the name points).
 */
export function hintForProblem(
  problem: AcmeProblem,
  names: readonly string[],
  challenge?: 'http-01' | 'dns-01',
): string {
  const types = problemTypes(problem);
  const listed = names.join(', ');
  if (types.includes('rateLimited'))
    return 'The CA rate-limits this account or these names: Berth retries later with backoff; do not retry by hand.';
  if (challenge === 'dns-01')
    return `Check that the DNS provider wrote the _acme-challenge TXT record of ${listed} and that the CA can see it (propagation, the zone's name servers).`;
  if (types.includes('dns')) return `Check that ${listed} resolve in public DNS.`;
  if (types.some((t) => ['connection', 'unauthorized', 'incorrectResponse', 'tls'].includes(t)))
    return `Check that ${listed} point at a Berth edge and that its HTTP port (80) is reachable from the internet.`;
  if (types.includes('invalidContact') || types.includes('unsupportedContact'))
    return 'The CA refused the account’s email address: give another one.';
  if (types.includes('rejectedIdentifier') || types.includes('malformed'))
    return `The CA will not issue for ${listed}: check the names.`;
  return 'Berth retries with backoff; check the CA’s status page if it keeps failing.';
}
