/**
 * The API's TypeScript types (`@berth/api-schema`, packages/api-schema/src/schema.d.ts), made
 * from the committed openapi.yaml by openapi-typescript and formatted as the repository formats
 * everything. The dashboard and the CLI's client both type their requests against this one file,
 * so a route change that breaks either fails its typecheck instead of at run time.
 *
 *   npm run generate -w packages/api-schema   (npm run openapi runs it too) writes the file
 *   scripts/api-schema.int.test.ts             fails when the committed file is not what this makes
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_FILE = join(root, 'openapi.yaml');
export const SCHEMA_FILE = join(root, 'packages/api-schema/src/schema.d.ts');
/** What to run after openapi.yaml changed (it is also part of `npm run openapi`). */
export const REGENERATE = 'npm run generate -w packages/api-schema';

/** The text schema.d.ts must hold for the openapi.yaml at `spec`. */
export async function renderApiSchema(spec: string = SPEC_FILE): Promise<string> {
  // silent: openapi-typescript would print its Redocly lint warnings on every run.
  const types = `${COMMENT_HEADER}${astToString(await openapiTS(pathToFileURL(spec), { silent: true }))}`;
  // Formatted with the repository's prettier settings, so `npm run format` leaves it alone.
  const options = await resolveConfig(SCHEMA_FILE);
  return format(types, { ...options, filepath: SCHEMA_FILE });
}

async function main(): Promise<void> {
  await writeFile(SCHEMA_FILE, await renderApiSchema());
  process.stdout.write(`wrote ${relative(root, SCHEMA_FILE)} from ${relative(root, SPEC_FILE)}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`api-schema: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
