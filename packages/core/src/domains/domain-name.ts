import { CUSTOM_DOMAIN_MAX_LENGTH } from '@berth/protocol';
import { mapText, showChar, showLabel, toAsciiLabel } from './labels.js';
import { reservedNameProblem, servedUnderProblem } from './reserved.js';

/**
 * A custom domain name as a person typed it, made canonical or refused with a reason they can act
 * on. The canonical form (`name`) is lower-case ASCII, `xn--` for Unicode labels, no trailing
 * dot: it is what Berth stores, orders certificates for and puts in proxy configs, and parsing it
 * again gives it back unchanged. `unicode` is the same name for showing to people.
 */

export interface DomainNameOptions {
  /** Whether `*` may stand as the whole leftmost label (`*.example.com`). */
  wildcard: boolean;
  /**
   * Domains Berth serves every app under (`berth up --domain`), canonical: names in them (and
   * wildcards over them) are refused, as they are already other apps' names.
   */
  servedUnder?: readonly string[];
}

export type DomainNameResult = { ok: true; name: string; unicode: string } | { ok: false; reason: string };

/** Longer input is refused before any work: no valid name comes near it, even in Unicode. */
const MAX_INPUT = 1024;
const fail = (reason: string): DomainNameResult => ({ ok: false, reason });

export function parseDomainName(input: string, options: DomainNameOptions): DomainNameResult {
  if (input.length > MAX_INPUT)
    return fail(`is ${input.length} characters long: a domain name has at most 253`);
  // Spaces only: a newline or tab is refused below rather than quietly dropped.
  const trimmed = input.replace(/^ +| +$/g, '');
  if (trimmed === '') return fail('is empty: give a domain name like "example.com"');
  const syntax = syntaxProblem(trimmed);
  if (syntax) return fail(syntax);

  const mapped = mapText(trimmed).replace(/[\u3002\uff0e\uff61]/g, '.');
  const labels = (mapped.endsWith('.') ? mapped.slice(0, -1) : mapped).split('.');
  const shape = shapeProblem(labels, options);
  if (shape) return fail(shape);

  const ascii: string[] = [];
  const unicode: string[] = [];
  for (const [index, label] of labels.entries()) {
    if (label === '*') {
      ascii.push(label);
      unicode.push(label);
      continue;
    }
    const result = toAsciiLabel(label);
    if (!result.ok) return fail(`${showLabel(label, index)} ${result.reason}`);
    ascii.push(result.ascii);
    unicode.push(result.unicode);
  }
  const name = ascii.join('.');
  const served = servedUnderProblem(name, options.servedUnder ?? []);
  if (served) return fail(served);
  return nameProblem(name, ascii) ?? { ok: true, name, unicode: unicode.join('.') };
}

/**
 * Characters no domain name has, reported as such before any mapping could hide them: controls
 * (newlines, NUL, bidi and zero-width formatting) and the punctuation of configs and shells.
 */
function syntaxProblem(text: string): string | null {
  if (/^\[?[0-9a-f.]*:[0-9a-f.]*:[0-9a-f:.]*\]?$/i.test(text))
    return 'is an IPv6 address: give a domain name';
  const bad = [...text].find((c) => /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]$/u.test(c));
  if (bad !== undefined) {
    return `contains ${showChar(bad)}, an invisible or control character: type the name again by hand`;
  }
  const punct = [...text].find((c) => /^[\x20-\x29\x2b\x2c\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]$/.test(c));
  if (punct === ':' || punct === '/') {
    return `contains ${showChar(punct)}: give the bare name, without "https://", a port or a path`;
  }
  if (punct !== undefined) {
    return `contains ${showChar(punct)}: a domain name has only letters, digits, hyphens and dots`;
  }
  return null;
}

/** Empty labels, too few labels, and where a `*` may stand. */
function shapeProblem(labels: readonly string[], options: DomainNameOptions): string | null {
  if (labels.some((l) => l === '')) {
    if (labels[0] === '') return 'starts with a dot';
    return 'has an empty label (two dots in a row, or more than one dot at the end)';
  }
  if (labels.length < 2)
    return reservedNameProblem(labels) ?? 'needs at least two labels, like "example.com"';
  const star = labels.findIndex((l) => l.includes('*'));
  if (star === -1) return null;
  if (labels[star] !== '*') return 'has a "*" inside a label: a wildcard is "*" alone, like "*.example.com"';
  if (star !== 0 || labels.lastIndexOf('*') !== 0 || labels.slice(1).some((l) => l.includes('*'))) {
    return 'has a "*" that is not the leftmost label: a wildcard looks like "*.example.com"';
  }
  if (!options.wildcard)
    return 'is a wildcard, which is not allowed here: give one name, like "www.example.com"';
  if (labels.length < 3) {
    return (
      reservedNameProblem(labels) ??
      'is a wildcard over a top-level domain: give at least two labels after "*."'
    );
  }
  return null;
}

/** The rules of the whole ASCII name: length, no IP address, none of the names Berth keeps. */
function nameProblem(name: string, labels: readonly string[]): DomainNameResult | null {
  if (name.length > CUSTOM_DOMAIN_MAX_LENGTH) {
    return fail(`is ${name.length} characters long once encoded: at most ${CUSTOM_DOMAIN_MAX_LENGTH}`);
  }
  const last = labels[labels.length - 1] ?? '';
  if (/^[0-9]+$/.test(last)) return fail('ends in a number: IP addresses are not domain names');
  const reserved = reservedNameProblem(labels);
  return reserved ? fail(reserved) : null;
}
