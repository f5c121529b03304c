/** What berthd warns about an app's settings (e.g. PORT in env against --port), on stderr. */
export function printWarnings(warnings: readonly string[] | undefined): void {
  for (const w of warnings ?? []) process.stderr.write(`warning: ${w}\n`);
}
