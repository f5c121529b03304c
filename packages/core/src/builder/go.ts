import { copyToWorkdir, line, toPathText, type PathText } from './dockerfile-text.js';
import {
  detectionFailed,
  manifestBuild,
  manifestStart,
  portLines,
  primaryImage,
  runImage,
  startArgv,
  type Recipe,
  type RecipeContext,
  type Step,
} from './recipe.js';
import type { SourceTree } from './build-plan.js';
import { hasFile } from './source-tree.js';

const isRootGoFile = (f: string): boolean => !f.includes('/') && f.endsWith('.go') && !f.endsWith('_test.go');

/** The package to build: the root, or the one cmd/<name> when the root has no Go files. */
function mainPackage(tree: SourceTree): { dir: PathText | null; summary: string } {
  if ([...tree.files].some(isRootGoFile)) return { dir: null, summary: 'the root package' };
  const commands = [...tree.files].filter((f) => /^cmd\/[^/]+\/main\.go$/.test(f));
  const only = commands.length === 1 ? commands[0] : undefined;
  if (only === undefined) {
    return detectionFailed(
      commands.length === 0
        ? 'Found go.mod but no Go files at the root and no cmd/<name>/main.go'
        : `Found go.mod and several commands (${commands.join(', ')}); which one to build is not clear`,
      'Set build: in berth.yaml, e.g. build: CGO_ENABLED=0 go build -o /out/app ./cmd/server',
    );
  }
  const dir = only.slice(0, -'/main.go'.length);
  return { dir: toPathText(dir, { found: 'the Go command directory' }), summary: dir };
}

function goBuild(ctx: RecipeContext): Step {
  const custom = manifestBuild(ctx);
  if (custom) return { ...custom, summary: `${custom.summary}; it must write the binary to /out/app` };
  const pkg = mainPackage(ctx.tree);
  return {
    line:
      pkg.dir === null
        ? line`RUN CGO_ENABLED=0 go build -o /out/app .`
        : line`RUN CGO_ENABLED=0 go build -o /out/app ./${pkg.dir}`,
    summary: `Build: go build ${pkg.summary} into a static binary`,
  };
}

/** Compile on the Go image, run the binary on the small Debian image. */
export function goRecipe(ctx: RecipeContext): Recipe {
  const base = primaryImage(ctx, 'go');
  const build = goBuild(ctx);
  const start: Step = manifestStart(ctx) ?? startArgv(['/app/app'], 'the built binary');
  const modules = ['go.mod', 'go.sum'].filter((f) => hasFile(ctx.tree, f));
  // With vendor/ the modules are in the source already; downloading them again would need the network.
  const vendored = hasFile(ctx.tree, 'vendor/modules.txt');
  return {
    builder: 'go',
    lines: [
      line`FROM ${base.image} AS build`,
      line`WORKDIR /src`,
      ...(vendored
        ? []
        : [copyToWorkdir(modules.map((f) => toPathText(f, { found: 'file' }))), line`RUN go mod download`]),
      line`COPY . .`,
      build.line,
      line`FROM ${runImage(ctx, 'debian')}`,
      line`WORKDIR /app`,
      line`COPY --from=build /out/app /app/app`,
      ...portLines(ctx.port),
      start.line,
    ],
    summary: [
      `Detected Go (go.mod${vendored ? ', vendor/' : ''})`,
      base.summary,
      build.summary,
      start.summary,
    ],
  };
}
