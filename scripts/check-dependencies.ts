/**
 * `npm run lint` (and `npm test`'s lint step): checks every workspace's package.json against what
 * its code imports and against the dependency direction (scripts/dependency-rules.ts).
 * Exits 1 with one line per problem.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { checkRootFiles, checkWorkspace, type Manifest, type SourceFile } from './dependency-rules.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function sourceFiles(dir: string, base: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path);
      } else if (/\.(ts|tsx|mts|cts)$/.test(entry.name)) {
        // Declaration files too: the dashboard's src/api/schema.d.ts imports @berth/api-schema.
        out.push({ path: relative(base, path), text: readFileSync(path, 'utf8') });
      }
    }
  };
  walk(dir);
  return out;
}

function references(workspaceDir: string): string[] {
  const file = join(root, workspaceDir, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(file, (p) => readFileSync(p, 'utf8'));
  if (error) throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  const refs = (config as { references?: Array<{ path: string }> }).references ?? [];
  return refs.map((r) => relative(root, resolve(root, workspaceDir, r.path)));
}

const rootManifest = readJson<{ workspaces: string[]; devDependencies?: Record<string, string> }>(
  join(root, 'package.json'),
);
const rootDev = rootManifest.devDependencies ?? {};
const problems: string[] = [];
const names = new Set<string>();
for (const dir of rootManifest.workspaces) {
  const manifest = readJson<Manifest>(join(root, dir, 'package.json'));
  names.add(manifest.name);
  // Its sources, and the build configuration beside them (vite.config.ts).
  const configs = readdirSync(join(root, dir))
    .filter((f) => /\.config\.ts$/.test(f))
    .map((f) => ({ path: f, text: readFileSync(join(root, dir, f), 'utf8') }));
  const files = [...sourceFiles(join(root, dir, 'src'), join(root, dir)), ...configs];
  problems.push(...checkWorkspace({ dir, manifest, files, references: references(dir) }, rootDev));
}
const outside = ['test', 'bench', 'scripts'].flatMap((d) => sourceFiles(join(root, d), root));
problems.push(...checkRootFiles(outside, names, rootDev));

for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`\n${problems.length} dependency problem(s): see the dependency rules in CONTRIBUTING.md`);
  process.exitCode = 1;
}
