// A third node:test reporter: the wall time each test file took, slowest first, so a CI log shows
// where the suite's minutes go without rerunning anything. test.sh runs one file at a time, so a
// file's time is from the previous file's last event to its own last one: start-up and
// `before` hooks included (test durations alone leave those out).
// Plain JavaScript: node loads reporters before `--import tsx` takes effect.

const SHOWN = 25;

/**
 * @param {AsyncIterable<{ type: string, data?: { file?: string } }>} source
 */
export default async function* slowestFiles(source) {
  /** @type {Map<string, number>} */
  const byFile = new Map();
  let previousEnd = Date.now();
  /** @type {string | undefined} */
  let current;
  let currentStart = previousEnd;
  for await (const event of source) {
    const file = event.data?.file;
    if (!file || event.type === 'test:enqueue') continue;
    const now = Date.now();
    if (file !== current) {
      current = file;
      currentStart = previousEnd;
    }
    previousEnd = now;
    byFile.set(file, now - currentStart);
  }
  const total = [...byFile.values()].reduce((a, b) => a + b, 0);
  const rows = [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  yield `# ${byFile.size} files, ${(total / 60000).toFixed(1)} min; the slowest:\n`;
  const cwd = process.cwd() + '/';
  for (const [file, ms] of rows)
    yield `#   ${(ms / 1000).toFixed(0).padStart(5)} s  ${file.replace(cwd, '')}\n`;
}
