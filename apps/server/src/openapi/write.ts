import { writeFile } from 'node:fs/promises';
import { generateSpec, renderSpec, SPEC_FILE } from './spec.js';

/** `npm run openapi`: regenerates the committed openapi.yaml from the routes. */
async function main(): Promise<void> {
  const spec = await generateSpec();
  await writeFile(SPEC_FILE, renderSpec(spec));
  process.stdout.write(`wrote ${SPEC_FILE} (${Object.keys(spec.paths ?? {}).length} paths)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`openapi: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
