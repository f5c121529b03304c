import { copyToWorkdir, line, toPathText, type DockerLine } from './dockerfile-text.js';
import { choosePackageManager, type PackageJson, type PackageManager } from './package-json.js';
import {
  manifestBuild,
  manifestStart,
  portLines,
  primaryImage,
  startArgv,
  type Recipe,
  type RecipeContext,
  type Step,
} from './recipe.js';
import { hasFile, normalizeRelPath } from './source-tree.js';

/** A Node.js project as found: how it installs, builds and (maybe) starts. */
export interface NodeProject {
  pm: PackageManager;
  build: Step | null;
  /** Null when nothing says how to start it: then it may be a static site built with Node. */
  start: Step | null;
  /** For the log: "Detected Node.js (package.json, package-lock.json → npm ci)". */
  found: string;
}

const ENTRY_FILES = ['index.js', 'server.js'] as const;

export function inspectNodeProject(ctx: RecipeContext, pkg: PackageJson): NodeProject {
  const pm = choosePackageManager(ctx.tree, pkg);
  const build =
    manifestBuild(ctx) ??
    (pkg.scripts.build === null
      ? null
      : { line: pm.runBuild, summary: `Build: ${pm.name} run build (package.json scripts.build)` });
  return { pm, build, start: nodeStart(ctx, pkg, build !== null), found: `package.json, ${pm.description}` };
}

function nodeStart(ctx: RecipeContext, pkg: PackageJson, hasBuild: boolean): Step | null {
  const fromManifest = manifestStart(ctx);
  if (fromManifest) return fromManifest;
  if (pkg.scripts.start !== null) return startArgv(['npm', 'start'], 'package.json scripts.start');
  const main = pkg.main === null ? null : resolveMain(ctx, pkg.main);
  if (main?.exists) return startArgv(['node', main.path], 'package.json main');
  const entry = ENTRY_FILES.find((f) => hasFile(ctx.tree, f));
  if (entry !== undefined) return startArgv(['node', entry], `${entry} at the root`);
  // A main that is not in the source yet is taken to be the build's output (dist/server.js).
  if (main && hasBuild) return startArgv(['node', main.path], 'package.json main, written by the build');
  return null;
}

/** Node resolves "main" as a file, then with ".js", then as a directory with index.js. */
function resolveMain(ctx: RecipeContext, main: string): { path: string; exists: boolean } {
  const checked = normalizeRelPath(toPathText(main, { found: 'package.json "main"' }));
  const candidates = checked === '' ? ['index.js'] : [checked, `${checked}.js`, `${checked}/index.js`];
  const found = candidates.find((c) => hasFile(ctx.tree, c));
  return { path: found ?? candidates[0] ?? checked, exists: found !== undefined };
}

/** FROM up to the build step; shared by Node.js apps and static sites built with Node. */
export function nodeBuildStage(project: NodeProject, from: DockerLine): DockerLine[] {
  const { pm, build } = project;
  return [
    from,
    line`WORKDIR /app`,
    // Only the manifests first: the install layer is reused while they are unchanged.
    ...(pm.install ? [copyToWorkdir(pm.manifests), pm.install] : []),
    line`COPY . .`,
    ...(build ? [build.line] : []),
  ];
}

export function nodeAppRecipe(ctx: RecipeContext, project: NodeProject, start: Step): Recipe {
  const base = primaryImage(ctx, 'node');
  return {
    builder: 'node',
    lines: [...nodeBuildStage(project, line`FROM ${base.image}`), ...portLines(ctx.port), start.line],
    summary: [
      `Detected Node.js (${project.found})`,
      base.summary,
      ...(project.build ? [project.build.summary] : []),
      start.summary,
    ],
  };
}
