import { BerthError, Port, type BerthManifest, type BuilderName } from '@berth/protocol';
import type { BuildPlan, BuildPlanOptions, SourceTree } from './build-plan.js';
import { renderDockerfile } from './dockerfile-text.js';
import { findDockerfile, ignoredForDockerfile } from './dockerfile.js';
import { goRecipe } from './go.js';
import { inspectNodeProject, nodeAppRecipe, type NodeProject } from './node.js';
import { readPackageJson } from './package-json.js';
import { pythonRecipe } from './python.js';
import { detectionFailed, type Recipe, type RecipeContext } from './recipe.js';
import { hasFile } from './source-tree.js';
import { nodeStaticRecipe, staticSiteRecipe } from './static.js';

export {
  DETECTION_FILES,
  GENERATED_DOCKERFILE_PATH,
  type BuildPlan,
  type BuildPlanOptions,
  type SourceTree,
} from './build-plan.js';

const manifestInvalid = (path: string, message: string): never => {
  throw new BerthError('BUILD_MANIFEST_INVALID', `berth.yaml is not valid: ${path} ${message}`, {
    issues: [{ path, message }],
  });
};

/**
 * Decides how to build a source tree: berth.yaml's builder, else a Dockerfile, else the first
 * of Node.js, Python, static files and Go whose files are there.
 */
export function planBuild(tree: SourceTree, options: BuildPlanOptions): BuildPlan {
  const manifest = options.manifest ?? {};
  const forced = manifest.builder;
  if (forced !== undefined && forced !== 'dockerfile' && manifest.dockerfile !== undefined) {
    manifestInvalid('dockerfile', `only applies to builder: dockerfile, and builder is ${forced}`);
  }
  if (manifest.port !== undefined && !Port.safeParse(manifest.port).success) {
    manifestInvalid('port', 'must be a whole number from 1 to 65535');
  }
  const common = {
    healthPath: manifest.health_path ?? null,
    replicas: manifest.replicas ?? null,
    env: { ...manifest.env },
  };
  if (forced === undefined || forced === 'dockerfile') {
    const dockerfile = findDockerfile(tree, manifest);
    if (dockerfile) {
      return {
        ...common,
        builder: 'dockerfile',
        dockerfile: { path: dockerfile.path },
        port: manifest.port ?? null,
        summary: [dockerfile.summary, ...ignoredForDockerfile(manifest)],
      };
    }
    if (forced === 'dockerfile') {
      detectionFailed(
        'berth.yaml sets builder: dockerfile, but there is no Dockerfile or Containerfile at the root',
        'Add a Dockerfile, or set dockerfile: in berth.yaml to its path.',
      );
    }
  }
  const port = manifest.port ?? options.defaultPort;
  if (!Port.safeParse(port).success) throw new RangeError(`defaultPort is not a port: ${port}`);
  checkEnvPort(manifest, port);
  const ctx: RecipeContext = { tree, manifest, baseImages: options.baseImages, port };
  const recipe = forced === undefined ? detectRecipe(ctx) : forcedRecipe(ctx, forced);
  return {
    ...common,
    builder: recipe.builder,
    dockerfile: { generated: renderDockerfile(recipe.lines) },
    port,
    env: { ...common.env, PORT: String(port) },
    summary: [
      ...(forced === undefined ? [] : [`berth.yaml sets builder: ${forced}`]),
      ...recipe.summary,
      `Port: ${port} (${manifest.port === undefined ? 'default' : 'berth.yaml port'}); the app gets PORT=${port} and is routed to it`,
    ],
  };
}

/** Berth routes to `port` and tells the app through PORT; a different PORT would break routing. */
function checkEnvPort(manifest: BerthManifest, port: number): void {
  const fromEnv = manifest.env?.PORT;
  if (fromEnv !== undefined && fromEnv !== String(port)) {
    manifestInvalid('env.PORT', `differs from the port Berth routes to (${port}); set port: instead`);
  }
}

function detectRecipe(ctx: RecipeContext): Recipe {
  const pkg = readPackageJson(ctx.tree);
  if (pkg) {
    const project = inspectNodeProject(ctx, pkg);
    if (project.start) return nodeAppRecipe(ctx, project, project.start);
    if (project.build) return nodeStaticRecipe(ctx, project);
    return noNodeStart();
  }
  if (hasFile(ctx.tree, 'requirements.txt') || hasFile(ctx.tree, 'pyproject.toml')) return pythonRecipe(ctx);
  if (hasFile(ctx.tree, 'index.html')) return staticSiteRecipe(ctx);
  if (hasFile(ctx.tree, 'go.mod')) return goRecipe(ctx);
  return detectionFailed(
    'Could not tell how to build this app: found no Dockerfile, Containerfile, package.json, requirements.txt, pyproject.toml, go.mod or index.html at the root, and berth.yaml sets no builder',
    'Add a Dockerfile, or a berth.yaml with builder: and start:.',
  );
}

function forcedRecipe(ctx: RecipeContext, builder: Exclude<BuilderName, 'dockerfile'>): Recipe {
  const missing = (what: string): never =>
    detectionFailed(
      `berth.yaml sets builder: ${builder}, but there is no ${what} at the root`,
      `Add ${what}, or remove builder: from berth.yaml to let Berth detect the builder.`,
    );
  switch (builder) {
    case 'node': {
      const project = nodeProject(ctx) ?? missing('package.json');
      return project.start ? nodeAppRecipe(ctx, project, project.start) : noNodeStart();
    }
    case 'python':
      if (!hasFile(ctx.tree, 'requirements.txt') && !hasFile(ctx.tree, 'pyproject.toml')) {
        missing('requirements.txt or pyproject.toml');
      }
      return pythonRecipe(ctx);
    case 'static': {
      const project = nodeProject(ctx);
      if (project?.build) return nodeStaticRecipe(ctx, project);
      return hasFile(ctx.tree, 'index.html')
        ? staticSiteRecipe(ctx)
        : missing('index.html (or package.json with a build script)');
    }
    case 'go':
      if (!hasFile(ctx.tree, 'go.mod')) missing('go.mod');
      return goRecipe(ctx);
  }
}

function nodeProject(ctx: RecipeContext): NodeProject | null {
  const pkg = readPackageJson(ctx.tree);
  return pkg === null ? null : inspectNodeProject(ctx, pkg);
}

const noNodeStart = (): never =>
  detectionFailed(
    'Found package.json but not how to start the app: no start: in berth.yaml, no scripts.start, no "main", no index.js or server.js, and no build script to make a static site',
    'Add scripts.start to package.json or start: to berth.yaml; to serve the files as they are, set builder: static in berth.yaml.',
  );
