import { z } from 'zod';
import { AppName } from './names.js';

const Timestamp = z.string().describe('RFC 3339 timestamp');

/**
 * Custom domain names (issue 11). A name a person types may be Unicode (`bücher.example`); what
 * Berth stores, returns and hands to a proxy is only ever the canonical ASCII form, which these
 * patterns describe. @berth/core's parseDomainName turns the one into the other (IDNA, scripts,
 * reserved names); every name it accepts matches CUSTOM_DOMAIN_PATTERN (a property test holds it to
 * that), so a schema here is a second wall, not the only one.
 */

/** One ASCII label: 1-63 of [a-z0-9-], not starting or ending with a hyphen. */
const LABEL = '(?!-)[a-z0-9-]{1,63}(?<!-)';

/** The canonical form: lower-case ASCII labels, no trailing dot, the last one not all digits. */
export const CUSTOM_DOMAIN_PATTERN = new RegExp(`^(?:${LABEL}\\.)+(?![0-9]+$)${LABEL}$`);
/** The same with an optional `*.` as the whole leftmost label. */
export const WILDCARD_CUSTOM_DOMAIN_PATTERN = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)+(?![0-9]+$)${LABEL}$`);
export const CUSTOM_DOMAIN_MAX_LENGTH = 253;

/**
 * Hyphens in the third and fourth places are reserved for IDNA's `xn--` (RFC 5891 §4.2.3.1):
 * `ab--cd` is refused, `xn--bcher-kva` is not.
 */
const hasReservedHyphens = (name: string): boolean =>
  name.split('.').some((label) => label.slice(2, 4) === '--' && !label.startsWith('xn--'));

const canonical = (pattern: RegExp) =>
  z
    .string()
    .max(CUSTOM_DOMAIN_MAX_LENGTH, { message: `must be at most ${CUSTOM_DOMAIN_MAX_LENGTH} characters` })
    .regex(pattern, {
      message:
        'must be a lower-case ASCII domain name like "example.com" or "xn--bcher-kva.example" (labels of letters, digits and hyphens)',
    })
    .refine((s) => !hasReservedHyphens(s), {
      message: 'must not have "--" in the third and fourth places of a label unless it starts with "xn--"',
    });

/** A domain name in Berth's canonical ASCII form, as stored and returned. */
export const CustomDomainName = canonical(CUSTOM_DOMAIN_PATTERN);
/** The same, where a wildcard (`*.example.com`) may stand. */
export const WildcardCustomDomainName = canonical(WILDCARD_CUSTOM_DOMAIN_PATTERN);

/**
 * A domain name as a person types it: Unicode letters allowed (`bücher.example`, full-width
 * dots), surrounding spaces allowed, and nothing a proxy config or shell could read as syntax.
 * Only a first filter: the API turns it into a CustomDomainName with @berth/core's parseDomainName,
 * which applies every rule (and may still refuse it, with a reason).
 */
export const CUSTOM_DOMAIN_INPUT_PATTERN = /^ *[\p{L}\p{M}\p{N}*.\u3002\uFF0E\uFF61-]+ *$/u;
export const CustomDomainInput = z
  .string()
  .max(1024, { message: 'must be at most 1024 characters' })
  .regex(CUSTOM_DOMAIN_INPUT_PATTERN, {
    message: 'must be a domain name like "example.com": letters, digits, hyphens and dots only',
  });

export const DomainCreate = z
  .object({
    name: CustomDomainInput,
    /** Names that redirect (308) to `name`, e.g. `www.example.com`. */
    redirectFrom: z
      .array(CustomDomainInput)
      .max(16, { message: 'at most 16 names may redirect to one domain' })
      .optional(),
  })
  .strict();
export type DomainCreate = z.infer<typeof DomainCreate>;

export const DOMAIN_KINDS = ['primary', 'redirect'] as const;
export const DomainKind = z.enum(DOMAIN_KINDS);
export type DomainKind = z.infer<typeof DomainKind>;

export const DOMAIN_STATUSES = ['pending', 'issued', 'failed', 'renewing'] as const;
export const DomainStatus = z.enum(DOMAIN_STATUSES);
export type DomainStatus = z.infer<typeof DomainStatus>;

/**
 * How an app holds a name it is listed with: a custom domain's kinds, or `default`, its name under
 * the installation's base domain (`<app>.<berth up --domain>`), served with the installation's
 * wildcard certificate and listed for its status only (it cannot be removed or renewed per app).
 */
export const DomainListedKind = z.enum([...DOMAIN_KINDS, 'default']);
export type DomainListedKind = z.infer<typeof DomainListedKind>;

export const Domain = z.object({
  /** ASCII (punycode) form; clients show the Unicode form themselves if they want to. */
  name: WildcardCustomDomainName,
  appName: AppName,
  kind: DomainListedKind,
  /** For a `redirect`, the primary name it redirects to; null for a primary. */
  redirectTo: CustomDomainName.nullable(),
  status: DomainStatus,
  /** Who issued the current certificate (the CA's name, or "uploaded"); null before the first. */
  issuer: z.string().nullable(),
  /** When the current certificate expires; null before the first. */
  expiresAt: Timestamp.nullable(),
  /** Why the last attempt failed, in words a person can act on; null when it did not. */
  lastError: z.string().nullable(),
  createdAt: Timestamp,
});
export type Domain = z.infer<typeof Domain>;

export const DomainList = z.object({ domains: z.array(Domain) });
export type DomainList = z.infer<typeof DomainList>;

export const DomainParams = z.object({ app: AppName, name: WildcardCustomDomainName }).strict();
export type DomainParams = z.infer<typeof DomainParams>;

export const DomainsAdded = z.object({ domains: z.array(Domain) });
export type DomainsAdded = z.infer<typeof DomainsAdded>;

export const DomainsRemoved = z.object({
  /** The names removed: the one asked for and, for a primary, the names that redirected to it. */
  removed: z.array(WildcardCustomDomainName),
});
export type DomainsRemoved = z.infer<typeof DomainsRemoved>;

/** `berth domains check`: what a CA would find now, and what it said last. */
export const DomainCheck = z.object({
  name: WildcardCustomDomainName,
  status: DomainStatus,
  dns: z.object({
    /** The name's A and AAAA records (for a wildcard, of a name under it). */
    addresses: z.array(z.string()),
    /** Why there are none, in words a person can act on; null when there are. */
    error: z.string().nullable(),
  }),
  challenge: z.object({
    /** An HTTP-01 probe through the name reached a Berth edge and got its answer. */
    reachable: z.boolean(),
    detail: z.string(),
  }),
  /** What the CA said last (the last failed order), or null. */
  lastError: z.string().nullable(),
});
export type DomainCheck = z.infer<typeof DomainCheck>;
