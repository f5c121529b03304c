// test.sh: parallel-safe (reads openapi.yaml and the generated types only: no engine, proxy, mount or host network)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { REGENERATE, renderApiSchema, SCHEMA_FILE, SPEC_FILE } from './api-schema.js';

/**
 * The client and the dashboard type their requests against @berth/api-schema: when it lags
 * openapi.yaml (which apps/server's openapi.int.test.ts holds to the routes), they would compile
 * against an API berthd no longer serves.
 */

test('the API types are what openapi.yaml generates', async () => {
  const committed = readFileSync(SCHEMA_FILE, 'utf8');
  const generated = await renderApiSchema(SPEC_FILE);
  if (committed === generated) return;
  const [was, is] = [committed.split('\n'), generated.split('\n')];
  let line = 0;
  while (was[line] === is[line]) line += 1;
  assert.fail(
    `${SCHEMA_FILE} is not what openapi.yaml generates (from line ${line + 1}: ${JSON.stringify(was[line])}, ` +
      `expected ${JSON.stringify(is[line])}). Run: ${REGENERATE}`,
  );
});

test("the dashboard's schema.d.ts is the shared types, not a copy of its own", () => {
  const web = readFileSync(join(dirname(SPEC_FILE), 'apps/web/src/api/schema.d.ts'), 'utf8');
  assert.match(web, /^export type \{[^}]*\bpaths\b[^}]*\} from '@berth\/api-schema';$/m);
  assert.ok(web.length < 1000, 'apps/web/src/api/schema.d.ts only re-exports @berth/api-schema');
});
