import { BerthError, BerthManifest, type FieldIssue } from '@berth/protocol';
import { isMap, parseDocument } from 'yaml';

/** berth.yaml is a handful of keys; anything near this size is a mistake or an attack. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

/** Enough for any honest use of anchors, far too few for a billion-laughs expansion. */
const MAX_ALIAS_COUNT = 50;

const KNOWN_KEYS = Object.keys(BerthManifest.shape).join(', ');

type ManifestIssue = NonNullable<ReturnType<typeof BerthManifest.safeParse>['error']>['issues'][number];

function invalid(issues: FieldIssue[]): never {
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  const detail = first ? `${first.path}: ${first.message}${more}` : 'unknown problem';
  throw new BerthError('BUILD_MANIFEST_INVALID', `berth.yaml is not valid: ${detail}`, {
    issues,
    hint: `Fix berth.yaml; its keys are ${KNOWN_KEYS}.`,
  });
}

const joinPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** Zod reports unknown keys once per object; a person wants each one named with its full path. */
function toManifestIssues(issue: ManifestIssue): FieldIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: joinPath([...issue.path, key]), message: 'unknown key' }));
  }
  if (issue.code === 'invalid_key') {
    return [{ path: joinPath(issue.path), message: `key ${issue.issues[0]?.message ?? 'is not allowed'}` }];
  }
  return [{ path: joinPath(issue.path) || '(top level)', message: issue.message }];
}

/**
 * Parses the text of berth.yaml. An empty file is `{}`; syntax errors, unknown keys and bad
 * values throw BUILD_MANIFEST_INVALID with one issue per problem, named by its key path.
 */
export function parseManifest(text: string): BerthManifest {
  // Length in UTF-16 units is at most the UTF-8 size, so the cheap check goes first.
  if (text.length > MAX_MANIFEST_BYTES || new TextEncoder().encode(text).length > MAX_MANIFEST_BYTES) {
    invalid([{ path: '(file)', message: `is larger than ${MAX_MANIFEST_BYTES / 1024} KiB` }]);
  }
  // logLevel error: warnings would be printed to the process (core does no I/O); errors still count.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) {
    invalid(
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        // The first line says what is wrong and where; the rest is a copy of the source.
        const message = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
        return { path: at ? `line ${at.line}, column ${at.col}` : '(syntax)', message };
      }),
    );
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) {
    invalid([{ path: '(top level)', message: 'must be a mapping of keys to values, like "port: 3000"' }]);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    invalid([{ path: '(aliases)', message: e instanceof Error ? e.message : String(e) }]);
  }
  const result = BerthManifest.safeParse(value);
  if (!result.success) invalid(result.error.issues.flatMap(toManifestIssues));
  return result.data;
}
