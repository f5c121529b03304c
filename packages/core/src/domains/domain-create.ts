import type { DomainCreate, FieldIssue } from '@berth/protocol';
import { parseDomainName } from './domain-name.js';

/**
 * A `berth domains add` request with every name made canonical, or the field issues that refuse
 * it (`name`, `redirectFrom.1`), for the API to return as VALIDATION_FAILED before writing anything.
 */

export interface ParsedName {
  name: string;
  unicode: string;
}

export type DomainCreateResult =
  { ok: true; primary: ParsedName; redirectFrom: ParsedName[] } | { ok: false; issues: FieldIssue[] };

export interface DomainCreateOptions {
  /** Whether the primary name may be a wildcard (only where a DNS-01 provider can prove it). */
  wildcard: boolean;
  /** Domains Berth serves every app under (see DomainNameOptions). */
  servedUnder?: readonly string[];
}

export function parseDomainCreate(body: DomainCreate, options: DomainCreateOptions): DomainCreateResult {
  const issues: FieldIssue[] = [];
  const served = { servedUnder: options.servedUnder ?? [] };
  const primary = parseDomainName(body.name, { wildcard: options.wildcard, ...served });
  if (!primary.ok) issues.push({ path: 'name', message: primary.reason });
  const seen = new Set(primary.ok ? [primary.name] : []);
  const redirectFrom: ParsedName[] = [];
  for (const [index, input] of (body.redirectFrom ?? []).entries()) {
    const path = `redirectFrom.${index}`;
    // A wildcard redirect would need a wildcard certificate for names nobody asked for.
    const parsed = parseDomainName(input, { wildcard: false, ...served });
    if (!parsed.ok) issues.push({ path, message: parsed.reason });
    else if (seen.has(parsed.name)) issues.push({ path, message: `names "${parsed.name}" a second time` });
    else {
      seen.add(parsed.name);
      redirectFrom.push({ name: parsed.name, unicode: parsed.unicode });
    }
  }
  // A redirect needs one name to go to, and a wildcard is many.
  if (primary.ok && primary.name.startsWith('*.') && redirectFrom.length > 0)
    issues.push({
      path: 'redirectFrom',
      message: `cannot redirect to the wildcard "${primary.name}": add the name as a domain of its own, or redirect to an exact name`,
    });
  if (!primary.ok || issues.length > 0) return { ok: false, issues };
  return { ok: true, primary: { name: primary.name, unicode: primary.unicode }, redirectFrom };
}
