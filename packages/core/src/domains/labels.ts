import punycode from 'punycode/punycode.js';
import { checkScripts } from './scripts.js';

/**
 * One label of a domain name, from its mapped form (lower case, NFKC) to ASCII: plain ASCII
 * labels are checked as they are; Unicode ones must be letters, marks, digits and hyphens of
 * acceptable scripts and become `xn--` + Punycode; `xn--` labels a person typed must decode to
 * such a Unicode label and encode back to exactly what they typed.
 */

export type LabelResult = { ok: true; ascii: string; unicode: string } | { ok: false; reason: string };

const MAX_LABEL_OCTETS = 63;
const ACE_PREFIX = 'xn--';

const fail = (reason: string): LabelResult => ({ ok: false, reason });

/** How a character is named in a reason: itself when printable ASCII, else its code point. */
export function showChar(c: string): string {
  if (c === '"') return `'"'`;
  if (/^[\x21-\x7e]$/.test(c)) return `"${c}"`;
  const hex = (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex}${c === ' ' ? ' (a space)' : ''}`;
}

/** How a label is named in a reason: quoted when it is harmless to print, else by position. */
export function showLabel(label: string, index: number): string {
  const printable = label.length <= 70 && /^[\p{L}\p{M}\p{N}*-]+$/u.test(label);
  return printable ? `label "${label}"` : `label ${index + 1}`;
}

/** Lower case and compatibility forms folded, as UTS #46 maps (`Ｅｘａｍｐｌｅ` → `example`). */
export const mapText = (s: string): string => s.normalize('NFKC').toLowerCase().normalize('NFC');

export function toAsciiLabel(label: string): LabelResult {
  if (isAscii(label)) return label.startsWith(ACE_PREFIX) ? checkAceLabel(label) : checkAsciiOnly(label);
  const unicode = checkUnicodeLabel(label);
  if (unicode) return fail(unicode);
  const ascii = ACE_PREFIX + punycode.encode(label);
  if (ascii.length > MAX_LABEL_OCTETS) {
    return fail(
      `is ${ascii.length} characters once encoded as "${ACE_PREFIX}…": at most ${MAX_LABEL_OCTETS}`,
    );
  }
  return { ok: true, ascii, unicode: label };
}

const isAscii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);

function checkAsciiOnly(label: string): LabelResult {
  const reason = asciiLabelProblem(label);
  return reason ? fail(reason) : { ok: true, ascii: label, unicode: label };
}

/** The rules of an ASCII label (RFC 1035 with RFC 5891's reserved hyphens), or null if it keeps them. */
function asciiLabelProblem(label: string): string | null {
  if (label.length > MAX_LABEL_OCTETS)
    return `is ${label.length} characters long: at most ${MAX_LABEL_OCTETS}`;
  const bad = [...label].find((c) => !/^[a-z0-9-]$/.test(c));
  if (bad !== undefined) return `contains ${showChar(bad)}: only letters, digits and hyphens are allowed`;
  return hyphenProblem(label);
}

function hyphenProblem(label: string): string | null {
  if (label.startsWith('-') || label.endsWith('-')) return 'starts or ends with a hyphen';
  if (label.slice(2, 4) === '--' && !label.startsWith(ACE_PREFIX)) {
    return 'has "--" in the third and fourth places, which only "xn--" labels may';
  }
  return null;
}

function checkAceLabel(label: string): LabelResult {
  const ascii = asciiLabelProblem(label);
  if (ascii) return fail(ascii);
  let unicode: string;
  try {
    unicode = punycode.decode(label.slice(ACE_PREFIX.length));
  } catch {
    return fail('starts with "xn--" but is not valid Punycode');
  }
  if (isAscii(unicode)) return fail('starts with "xn--" but stands for no Unicode letters');
  const problem = checkUnicodeLabel(unicode);
  if (problem) return fail(`starts with "xn--" and stands for a label that ${problem}`);
  if (mapText(unicode) !== unicode || ACE_PREFIX + punycode.encode(unicode) !== label) {
    return fail('starts with "xn--" but is not the canonical encoding of its name');
  }
  return { ok: true, ascii: label, unicode };
}

/** The rules of a (mapped) Unicode label, or null if it keeps them; the reason reads after "label X". */
function checkUnicodeLabel(label: string): string | null {
  const bad = [...label].find((c) => !/^[\p{L}\p{M}0-9-]$/u.test(c));
  if (bad !== undefined) {
    return /^\p{Nd}$/u.test(bad)
      ? `contains the digit ${showChar(bad)}: only the digits 0-9 are allowed`
      : `contains ${showChar(bad)}: only letters, digits and hyphens are allowed`;
  }
  if (/^\p{M}/u.test(label)) return 'starts with a combining mark';
  const hyphens = hyphenProblem(label);
  if (hyphens) return hyphens;
  const scripts = checkScripts(label);
  return scripts.ok ? null : scripts.reason;
}
