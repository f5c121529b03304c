// A second node:test reporter beside TAP: it lists each failed test with its file and first error
// lines, and test.sh prints that list after the run. CI keeps only the tail of a long log, so a
// failure hundreds of tests earlier would otherwise be invisible there.
// Plain JavaScript: node loads reporters before `--import tsx` takes effect.

/** @param {{ message?: string, cause?: unknown } | undefined} error */
function describeError(error) {
  const cause = error?.cause;
  const text =
    cause instanceof Error
      ? (cause.stack ?? cause.message)
      : typeof cause === 'string'
        ? cause
        : (error?.message ?? '');
  return text.split('\n').slice(0, 12).join('\n    ');
}

/**
 * @param {AsyncIterable<{ type: string, data: { name: string, nesting: number, file?: string,
 *   line?: number, details?: { error?: { failureType?: string, message?: string, cause?: unknown } } } }>} source
 */
export default async function* failedTests(source) {
  /** @type {string[]} the names of the suites around the test now running, by nesting */
  const path = [];
  for await (const event of source) {
    if (event.type === 'test:start') path.splice(event.data.nesting, Infinity, event.data.name);
    if (event.type !== 'test:fail') continue;
    const error = event.data.details?.error;
    // A suite fails because a test in it failed; that test is listed on its own.
    if (error?.failureType === 'subtestsFailed') continue;
    const where = event.data.file ? `${event.data.file}:${event.data.line ?? 0}` : '(no file)';
    const name = [...path.slice(0, event.data.nesting), event.data.name].join(' > ');
    yield `not ok: ${name}\n  at ${where}\n    ${describeError(error)}\n`;
  }
}
