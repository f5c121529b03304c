import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkRootFiles,
  checkWorkspace,
  importedSpecifiers,
  packageOf,
  type Workspace,
} from './dependency-rules.js';

const ws = (over: Partial<Workspace> & { files: Workspace['files'] }): Workspace => ({
  dir: 'packages/store',
  manifest: { name: '@berth/store', dependencies: {}, devDependencies: {} },
  references: [],
  ...over,
});

test('every way of loading a module by name is seen', () => {
  const text = [
    "import a from 'alpha';",
    "import type { B } from '@scope/beta/sub';",
    "export { c } from 'gamma';",
    "const d = await import('delta');",
    "const e = createRequire(import.meta.url)('epsilon');",
    "const f = import.meta.resolve('zeta');",
    "const g = require('eta');",
    "type H = import('theta').H;",
    "import './local.js';",
    'const notAnImport = "require(\'iota\')";',
  ].join('\n');
  assert.deepEqual(importedSpecifiers('x.ts', text), [
    'alpha',
    '@scope/beta/sub',
    'gamma',
    'delta',
    'epsilon',
    'zeta',
    'eta',
    'theta',
    './local.js',
  ]);
});

test('package names: scopes and subpaths; files and builtins are not packages', () => {
  assert.equal(packageOf('@scope/beta/sub'), '@scope/beta');
  assert.equal(packageOf('zod/v4'), 'zod');
  for (const s of ['./a.js', '../b', '/abs', 'node:fs', 'fs', 'path', '#internal'])
    assert.equal(packageOf(s), null, s);
});

test('an import that is not declared, and a declared one nothing imports, are problems', () => {
  const problems = checkWorkspace(
    ws({
      manifest: { name: '@berth/store', dependencies: { kysely: '1', unused: '1' } },
      files: [{ path: 'src/a.ts', text: "import { Kysely } from 'kysely';\nimport { z } from 'zod';" }],
    }),
    {},
  );
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(
    problems[0]!,
    /src\/a\.ts imports zod, which packages\/store\/package\.json does not declare: add it to dependencies/,
  );
  assert.match(problems[1]!, /declares unused in dependencies, but nothing imports it: remove it/);
});

test('a dependency only tests use belongs in devDependencies; tests may use root devDependencies', () => {
  const problems = checkWorkspace(
    ws({
      manifest: {
        name: '@berth/store',
        dependencies: { 'only-tests': '1' },
        devDependencies: { '@types/x': '1', x: '1' },
      },
      files: [
        { path: 'src/a.test.ts', text: "import 'only-tests';\nimport 'x';\nimport fc from 'fast-check';" },
        { path: 'src/test-support/f.ts', text: "import 'undeclared';" },
      ],
    }),
    { 'fast-check': '4' },
  );
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0]!, /src\/test-support\/f\.ts imports undeclared, .* add it to devDependencies/);
  assert.match(
    problems[1]!,
    /declares only-tests in dependencies, but only tests use it: move it to devDependencies/,
  );
});

test('source code may not use a devDependency', () => {
  const problems = checkWorkspace(
    ws({
      manifest: { name: '@berth/store', devDependencies: { kysely: '1' } },
      files: [{ path: 'src/a.ts', text: "import 'kysely';" }],
    }),
    {},
  );
  assert.deepEqual(problems.length, 1);
  assert.match(problems[0]!, /move it from devDependencies to dependencies/);
});

test('imports against the direction are problems even when declared; self-imports are fine', () => {
  const problems = checkWorkspace(
    ws({
      dir: 'packages/core',
      manifest: { name: '@berth/core', dependencies: { '@berth/protocol': '*', '@berth/store': '*' } },
      references: ['packages/protocol', 'packages/store'],
      files: [
        {
          path: 'src/a.ts',
          text: "import '@berth/protocol';\nimport '@berth/store';\nimport '@berth/core';",
        },
        { path: 'src/a.test.ts', text: "import '@berth/engine';" },
      ],
    }),
    {},
  );
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(
    problems[0]!,
    /src\/a\.ts imports @berth\/store, against the dependency direction \(allowed: @berth\/protocol\)/,
  );
  assert.match(problems[1]!, /src\/a\.test\.ts imports @berth\/engine, against the dependency direction/);
  assert.match(problems[2]!, /declares @berth\/store, against the dependency direction/);
});

test('tsconfig references must be the Berth dependencies, for tsc --build to compile in order', () => {
  const problems = checkWorkspace(
    ws({
      manifest: { name: '@berth/store', dependencies: { '@berth/core': '*' } },
      references: ['packages/protocol'],
      files: [{ path: 'src/a.ts', text: "import '@berth/core';" }],
    }),
    {},
  );
  assert.deepEqual(problems, [
    'packages/store (@berth/store): depends on @berth/core, but packages/store/tsconfig.json does not reference it',
    'packages/store (@berth/store): packages/store/tsconfig.json references protocol, which package.json does not declare',
  ]);
});

test('a workspace missing from the rules is a problem, not a pass', () => {
  const problems = checkWorkspace(ws({ manifest: { name: '@berth/new' }, files: [] }), {});
  assert.match(problems[0]!, /is not in the dependency rules/);
});

test('files outside the workspaces may use workspaces and root devDependencies only', () => {
  const problems = checkRootFiles(
    [{ path: 'test/e2e/a.test.ts', text: "import '@berth/cli';\nimport 'tsx';\nimport 'left-pad';" }],
    new Set(['@berth/cli']),
    { tsx: '4' },
  );
  assert.deepEqual(problems, [
    'test/e2e/a.test.ts imports left-pad, which the root package.json does not declare: add it to devDependencies',
  ]);
});

test('the dashboard: .tsx imports count, vite.config.ts may use devDependencies, a script runs one', () => {
  const web = (devDependencies: Record<string, string>, scripts: Record<string, string> = {}): string[] =>
    checkWorkspace(
      ws({
        dir: 'apps/web',
        manifest: { name: '@berth/web', dependencies: { react: '19' }, devDependencies, scripts },
        files: [
          {
            path: 'src/App.tsx',
            text: "import { useState } from 'react';\nexport const A = () => <p>{1}</p>;",
          },
          { path: 'vite.config.ts', text: "import { defineConfig } from 'vite';" },
        ],
      }),
      {},
    );
  assert.deepEqual(web({ vite: '8' }), []);
  assert.deepEqual(
    web({ vite: '8', 'openapi-typescript': '7' }, { generate: 'openapi-typescript a.yaml' }),
    [],
  );
  assert.equal(web({ vite: '8', 'openapi-typescript': '7' }, { generate: 'tsc -p .' }).length, 1);
  assert.equal(web({}).length, 1, 'vite, imported by the config, must be declared');
});
