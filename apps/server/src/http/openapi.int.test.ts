// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { generateSpec, isObject, REGENERATE, SPEC_FILE, type Json } from '../openapi/spec.js';
import { AGENT_LINK_PATH } from './app.js';
import { AGENT_ARCHIVE_PATH } from './paths.js';
import { startTestApi, type TestApi } from './test-support/api.js';
import { listOperations, readCommittedSpec } from './test-support/openapi.js';

type SpecDocument = Exclude<Parameters<typeof SwaggerParser.validate>[0], string>;

/** openapi.yaml is the contract: it must be what the routes generate, valid, and complete. */

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(() => api.close());

test('openapi.yaml is what the routes generate', async () => {
  const generated = await generateSpec();
  const committed = readCommittedSpec();
  const differences = diff(committed, generated, '$');
  assert.deepEqual(
    differences,
    [],
    `openapi.yaml does not match the routes (${differences.length} difference(s)). Run: ${REGENERATE}`,
  );
  assert.deepEqual(committed, generated, `openapi.yaml is out of date. Run: ${REGENERATE}`);
  assert.match(readFileSync(SPEC_FILE, 'utf8'), /^# Generated .*\n.*\n# +npm run build && npm run openapi\n/);
});

test('openapi.yaml is a valid OpenAPI document', async () => {
  // validate() dereferences in place; give it its own copy.
  const doc = structuredClone(readCommittedSpec()) as unknown as SpecDocument;
  await assert.doesNotReject(SwaggerParser.validate(doc));
});

test('every route Fastify serves is in openapi.yaml, and every operation there is a route', () => {
  const served = listRoutes(api.app.printRoutes({ commonPrefix: false }));
  assert.ok(served.has(`GET ${AGENT_LINK_PATH}`), 'the route list was read (it has the agent link)');
  // Fastify answers HEAD for every GET on its own; those are not operations of their own.
  for (const route of served) {
    if (!route.startsWith('HEAD ')) continue;
    assert.ok(served.has(route.replace('HEAD', 'GET')), `${route} without a GET`);
    served.delete(route);
  }
  // The agent link is a WebSocket authenticated by its own handshake: hidden from the spec on purpose.
  served.delete(`GET ${AGENT_LINK_PATH}`);
  // So is the agent's download of an upload: its capability token is minted for the agent only.
  served.delete(`GET ${AGENT_ARCHIVE_PATH}`);
  // The dashboard's pages and assets are files, not operations (dashboard.int.test.ts).
  for (const route of [...served].filter((r) => !/^\S+ \/api\//.test(r))) {
    assert.ok(route.startsWith('GET '), `${route}: outside /api only the dashboard's GETs`);
    served.delete(route);
  }
  const documented = new Set(listOperations().map((op) => `${op.method} ${op.path}`));
  assert.deepEqual(
    [...served].filter((r) => !documented.has(r)).sort(),
    [],
    'routes missing from openapi.yaml',
  );
  assert.deepEqual([...documented].filter((r) => !served.has(r)).sort(), [], 'operations without a route');
});

test('operation ids are unique and every operation documents a success response', () => {
  const ops = listOperations();
  const ids = ops.map((op) => op.operationId);
  assert.equal(new Set(ids).size, ids.length, `duplicate operationId in ${ids.join(', ')}`);
  for (const op of ops) {
    assert.ok(/^[a-z][A-Za-z]+$/.test(op.operationId), `${op.method} ${op.path} needs an operationId`);
    assert.ok(
      // A WebSocket's success is its upgrade (execApp).
      Object.keys(op.responses).some((s) => s.startsWith('2') || s === '101'),
      `${op.operationId} documents no 2xx response`,
    );
    if (!op.isPublic) assert.ok(op.responses['401'], `${op.operationId} does not document 401`);
  }
});

/**
 * Reads Fastify's route tree (`printRoutes({ commonPrefix: false })`) into "METHOD /path" strings,
 * with `:param` written `{param}` as OpenAPI writes it. Each level of the tree indents by 4.
 */
function listRoutes(tree: string): Set<string> {
  const routes = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const start = line.search(/[^│├└─\s]/u);
    if (start < 0) continue;
    const depth = start / 4 - 1;
    const match = /^(\S+)(?: \(([^)]*)\))?$/.exec(line.slice(start).trim());
    assert.ok(match && Number.isInteger(depth), `cannot read route line "${line}"`);
    const path = (stack[depth - 1] ?? '') + match[1];
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (match[2] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)) {
      routes.add(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}

/** JSON paths where `a` and `b` differ, for a message a person can act on (at most 20). */
function diff(a: Json | undefined, b: Json | undefined, path: string, out: string[] = []): string[] {
  if (out.length >= 20) return out;
  if (isObject(a ?? null) && isObject(b ?? null)) {
    const ao = a as Record<string, Json>;
    const bo = b as Record<string, Json>;
    for (const key of new Set([...Object.keys(ao), ...Object.keys(bo)]))
      diff(ao[key], bo[key], `${path}.${key}`, out);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => diff(v, b[i], `${path}[${i}]`, out));
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(
      `${path}: committed ${JSON.stringify(a)?.slice(0, 80)}, generated ${JSON.stringify(b)?.slice(0, 80)}`,
    );
  }
  return out;
}
