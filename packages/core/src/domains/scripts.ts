/**
 * Look-alike defence for Unicode labels, after UTS #39 ("Highly Restrictive"): a label uses one
 * script, or one of the combinations a language needs (Japanese, Chinese, Korean with Latin);
 * only the scripts UTS #31 recommends for identifiers; and a label written wholly in Cyrillic or
 * Greek letters that all look Latin (Cyrillic `рау` for "pay") is refused too, as browsers show those as punycode.
 */

/** UTS #31 Table 5, "Recommended Scripts". Letters of any other script are refused. */
const RECOMMENDED_SCRIPTS = [
  'Arabic',
  'Armenian',
  'Bengali',
  'Bopomofo',
  'Cyrillic',
  'Devanagari',
  'Ethiopic',
  'Georgian',
  'Greek',
  'Gujarati',
  'Gurmukhi',
  'Han',
  'Hangul',
  'Hebrew',
  'Hiragana',
  'Kannada',
  'Katakana',
  'Khmer',
  'Lao',
  'Latin',
  'Malayalam',
  'Myanmar',
  'Oriya',
  'Sinhala',
  'Tamil',
  'Telugu',
  'Thaana',
  'Thai',
  'Tibetan',
] as const;

const SCRIPT_TESTS = RECOMMENDED_SCRIPTS.map((name) => ({
  name,
  test: new RegExp(`^\\p{Script=${name}}$`, 'u'),
}));

/** Characters that belong to no script of their own (combining marks, shared signs). */
const SHARED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** The mixes a single language needs (UTS #39 §5.2); any subset of one of these is fine. */
const ALLOWED_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** Cyrillic and Greek letters that pass for Latin ones, with the letter they pass for. */
const LATIN_LOOKALIKES: ReadonlyMap<string, string> = new Map([
  ...[...'асԁеԍһіјӏорԛѕԝхуүь'].map((c, i) => [c, 'acdeghijlopqswxyyb'[i] ?? ''] as const),
  ...[...'αικνορτυχϲ'].map((c, i) => [c, 'aikvoptuxc'[i] ?? ''] as const),
]);

export type ScriptCheck = { ok: true } | { ok: false; reason: string };

const codePoint = (c: string): string =>
  `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Checks the scripts of a mapped Unicode label (letters, marks, digits and hyphens only). */
export function checkScripts(label: string): ScriptCheck {
  const scripts = new Map<string, string>();
  for (const c of label) {
    if (/^[0-9-]$/.test(c) || SHARED.test(c)) continue;
    const script = SCRIPT_TESTS.find((s) => s.test.test(c))?.name;
    if (!script) {
      return {
        ok: false,
        reason: `uses ${codePoint(c)}, a letter of a script Berth does not accept in domain names`,
      };
    }
    if (!scripts.has(script)) scripts.set(script, c);
  }
  const names = [...scripts.keys()];
  if (names.length > 1 && !ALLOWED_MIXES.some((mix) => names.every((n) => mix.has(n)))) {
    const shown = [...scripts].map(([name, c]) => `${name} (${codePoint(c)})`).join(' and ');
    return {
      ok: false,
      reason: `mixes ${shown} letters, which is how look-alike names are made: use letters of one script`,
    };
  }
  if ((names[0] === 'Cyrillic' || names[0] === 'Greek') && names.length === 1) {
    const latin = readsAsLatin(label);
    if (latin !== null) {
      return {
        ok: false,
        reason: `is written in ${names[0]} letters that all look like Latin ones (it reads as "${latin}"), which is how look-alike names are made`,
      };
    }
  }
  return { ok: true };
}

/** The Latin text a label passes for, or null when some letter gives it away. */
function readsAsLatin(label: string): string | null {
  let latin = '';
  for (const c of label) {
    if (/^[0-9-]$/.test(c)) latin += c;
    else {
      const lookalike = LATIN_LOOKALIKES.get(c);
      if (lookalike === undefined) return null;
      latin += lookalike;
    }
  }
  return latin;
}
