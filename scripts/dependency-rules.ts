/**
 * The rules `npm run lint` checks on every workspace's package.json (scripts/check-dependencies.ts
 * reads the files; this module decides): a package imports only what it declares, declares only
 * what it imports, and depends only on the Berth packages below it.
 */
import { isBuiltin } from 'node:module';
import ts from 'typescript';

/**
 * Which Berth packages each one may depend on: protocol ← core ← store, engine ← apps, with io
 * (files written atomically, wake loops) and crypto beside them at the bottom, api-schema (the
 * API's types, generated from openapi.yaml: no code) under the client and the dashboard, and
 * client (the typed HTTP client and how to trust berthd's TLS, no io) used by the CLI, by the
 * agent (it reaches berthd the same way) and by berthd's own tests of its API over TLS.
 */
export const ALLOWED_INTERNAL: Readonly<Record<string, readonly string[]>> = {
  '@berth/protocol': [],
  '@berth/io': [],
  '@berth/api-schema': [],
  '@berth/core': ['@berth/protocol'],
  '@berth/crypto': ['@berth/protocol', '@berth/io'],
  '@berth/client': ['@berth/protocol', '@berth/core', '@berth/crypto', '@berth/api-schema'],
  '@berth/store': ['@berth/protocol', '@berth/core', '@berth/io'],
  '@berth/engine': ['@berth/protocol', '@berth/core', '@berth/io'],
  '@berth/server': [
    '@berth/protocol',
    '@berth/core',
    '@berth/io',
    '@berth/crypto',
    '@berth/store',
    '@berth/engine',
    '@berth/client',
  ],
  '@berth/agent': [
    '@berth/protocol',
    '@berth/core',
    '@berth/io',
    '@berth/crypto',
    '@berth/engine',
    '@berth/client',
  ],
  // The dashboard talks to berthd over HTTP only: its types come from openapi.yaml, not from code.
  '@berth/web': ['@berth/api-schema'],
  '@berth/cli': [
    '@berth/protocol',
    '@berth/core',
    '@berth/io',
    '@berth/crypto',
    '@berth/engine',
    '@berth/client',
  ],
};

export interface Manifest {
  name: string;
  /** npm scripts: a devDependency whose command one runs (openapi-typescript) is used. */
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export interface SourceFile {
  /** Relative to the workspace, for messages. */
  path: string;
  text: string;
}

export interface Workspace {
  /** Relative to the repository root, for messages (`apps/server`). */
  dir: string;
  manifest: Manifest;
  files: readonly SourceFile[];
  /** The workspaces the package's tsconfig.json references, by directory (`packages/core`). */
  references: readonly string[];
}

/**
 * Tests and their helpers may also use devDependencies (of the package or of the root), and so
 * may a workspace's build configuration (`vite.config.ts`): neither ships.
 */
export const isTestFile = (path: string): boolean =>
  /\.test\.tsx?$/.test(path) || /(^|\/)test-support\//.test(path) || /(^|\/)[^/]+\.config\.ts$/.test(path);

/** The package a bare module specifier names (`@scope/x/sub` → `@scope/x`), or null for files and builtins. */
export function packageOf(specifier: string): string | null {
  if (/^[./#]/.test(specifier) || specifier.startsWith('node:') || isBuiltin(specifier)) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return name ? name : null;
}

/**
 * Every module a file loads by name: static imports and re-exports (type-only ones too: the
 * types come from the package), `import()`, `require()`, `createRequire(…)(…)` and
 * `import.meta.resolve()` / `require.resolve()`.
 */
export function importedSpecifiers(path: string, text: string): string[] {
  const kind = path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, kind);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      literal(node.moduleReference.expression);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      literal(node.argument.literal);
    } else if (ts.isCallExpression(node) && loadsModule(node.expression)) literal(node.arguments[0]);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function loadsModule(callee: ts.Expression): boolean {
  if (callee.kind === ts.SyntaxKind.ImportKeyword) return true;
  if (ts.isIdentifier(callee)) return callee.text === 'require';
  // createRequire(import.meta.url)('x')
  if (ts.isCallExpression(callee))
    return ts.isIdentifier(callee.expression) && callee.expression.text === 'createRequire';
  // import.meta.resolve('x'), require.resolve('x')
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'resolve') {
    const target = callee.expression;
    return ts.isMetaProperty(target) || (ts.isIdentifier(target) && target.text === 'require');
  }
  return false;
}

/** What a package's files import, by package name, with the first file that does. */
function usesOf(ws: Workspace): { source: Map<string, string>; test: Map<string, string> } {
  const source = new Map<string, string>();
  const test = new Map<string, string>();
  for (const file of ws.files) {
    const into = isTestFile(file.path) ? test : source;
    for (const spec of importedSpecifiers(file.path, file.text)) {
      const name = packageOf(spec);
      if (name && name !== ws.manifest.name && !into.has(name)) into.set(name, file.path);
    }
  }
  return { source, test };
}

/** An `@types/x` package is used when x is (or, for @types/node, always). */
function typesTarget(name: string): string | null {
  if (!name.startsWith('@types/')) return null;
  const bare = name.slice('@types/'.length);
  // @types/scope__name describes @scope/name.
  return bare.includes('__') ? `@${bare.replace('__', '/')}` : bare;
}

/** Every broken rule of one workspace, as a sentence that says what to change. */
export function checkWorkspace(
  ws: Workspace,
  rootDevDependencies: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = [];
  const name = ws.manifest.name;
  const deps = ws.manifest.dependencies ?? {};
  const devDeps = ws.manifest.devDependencies ?? {};
  const allowed = ALLOWED_INTERNAL[name];
  const at = `${ws.dir} (${name})`;
  if (!allowed)
    return [
      `${at}: is not in the dependency rules; add it to ALLOWED_INTERNAL in scripts/dependency-rules.ts`,
    ];
  const { source, test } = usesOf(ws);

  for (const [dep, file] of source) {
    if (dep.startsWith('@berth/') && !allowed.includes(dep)) {
      problems.push(
        `${at}: ${file} imports ${dep}, against the dependency direction (allowed: ${allowed.join(', ') || 'none'})`,
      );
    } else if (!(dep in deps)) {
      const where =
        dep in devDeps ? 'move it from devDependencies to dependencies' : 'add it to dependencies';
      problems.push(`${at}: ${file} imports ${dep}, which ${ws.dir}/package.json does not declare: ${where}`);
    }
  }
  for (const [dep, file] of test) {
    if (dep.startsWith('@berth/') && !allowed.includes(dep)) {
      problems.push(
        `${at}: ${file} imports ${dep}, against the dependency direction (allowed: ${allowed.join(', ') || 'none'})`,
      );
    } else if (!(dep in deps) && !(dep in devDeps) && !(dep in rootDevDependencies)) {
      problems.push(
        `${at}: ${file} imports ${dep}, which ${ws.dir}/package.json does not declare: add it to devDependencies`,
      );
    }
  }
  const used = (dep: string, where: Map<string, string>): boolean => {
    const target = typesTarget(dep);
    if (target === 'node') return true;
    return where.has(target ?? dep) || (target !== null && (source.has(target) || test.has(target)));
  };
  for (const dep of Object.keys(deps)) {
    if (dep.startsWith('@berth/') && !allowed.includes(dep)) {
      problems.push(
        `${at}: declares ${dep}, against the dependency direction (allowed: ${allowed.join(', ') || 'none'})`,
      );
    } else if (!used(dep, source)) {
      const hint = test.has(dep)
        ? 'only tests use it: move it to devDependencies'
        : 'nothing imports it: remove it';
      problems.push(`${at}: declares ${dep} in dependencies, but ${hint}`);
    }
  }
  const commands = Object.values(ws.manifest.scripts ?? {});
  const runByScript = (dep: string): boolean =>
    commands.some((c) => new RegExp(`(^|[\\s&;|(])${dep.replace(/^@[^/]+\//, '')}(\\s|$)`).test(c));
  for (const dep of Object.keys(devDeps)) {
    if (!used(dep, test) && !used(dep, source) && !runByScript(dep)) {
      problems.push(`${at}: declares ${dep} in devDependencies, but nothing imports it: remove it`);
    }
  }
  problems.push(...checkReferences(ws, at, deps));
  return problems;
}

/** tsc --build compiles in the order the references give: they must be the Berth dependencies. */
function checkReferences(ws: Workspace, at: string, deps: Record<string, string>): string[] {
  const internal = Object.keys(deps)
    .filter((d) => d.startsWith('@berth/'))
    .map((d) => d.slice('@berth/'.length));
  const referenced = ws.references.map((r) => r.split('/').pop() ?? r);
  const problems: string[] = [];
  for (const d of internal) {
    if (!referenced.includes(d))
      problems.push(`${at}: depends on @berth/${d}, but ${ws.dir}/tsconfig.json does not reference it`);
  }
  for (const r of referenced) {
    if (!internal.includes(r))
      problems.push(`${at}: ${ws.dir}/tsconfig.json references ${r}, which package.json does not declare`);
  }
  return problems;
}

/** Files outside the workspaces (test/, bench/, scripts/) may use any workspace and the root's devDependencies. */
export function checkRootFiles(
  files: readonly SourceFile[],
  workspaceNames: ReadonlySet<string>,
  rootDevDependencies: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const spec of importedSpecifiers(file.path, file.text)) {
      const dep = packageOf(spec);
      if (!dep || workspaceNames.has(dep) || dep in rootDevDependencies) continue;
      problems.push(
        `${file.path} imports ${dep}, which the root package.json does not declare: add it to devDependencies`,
      );
    }
  }
  return problems;
}
