import { execForm, line } from './dockerfile-text.js';
import { nodeBuildStage, type NodeProject } from './node.js';
import {
  detectionFailed,
  manifestBuild,
  manifestStart,
  portLines,
  primaryImage,
  runImage,
  type Recipe,
  type RecipeContext,
  type Step,
} from './recipe.js';

/** busybox httpd from the static base image; `exec` so it gets signals as PID 1. */
const serveStatic = (ctx: RecipeContext): Step =>
  manifestStart(ctx) ?? {
    line: execForm('CMD', ['sh', '-c', 'exec httpd -f -v -p "$PORT" -h /srv/www']),
    summary: 'Start: busybox httpd serving /srv/www',
  };

/** A site of plain files: index.html at the root, served as is. */
export function staticSiteRecipe(ctx: RecipeContext): Recipe {
  const base = primaryImage(ctx, 'static');
  const build = manifestBuild(ctx);
  const start = serveStatic(ctx);
  return {
    builder: 'static',
    lines: [
      line`FROM ${base.image}`,
      line`WORKDIR /srv/www`,
      line`COPY . /srv/www`,
      ...(build ? [build.line] : []),
      ...portLines(ctx.port),
      start.line,
    ],
    summary: [
      'Detected a static site (index.html)',
      base.summary,
      ...(build ? [build.summary] : []),
      start.summary,
    ],
  };
}

/**
 * A site built with Node.js (a build script, nothing to start): build on the Node image, then
 * serve the output from the small static image. berth.yaml base_image replaces the build stage.
 */
export function nodeStaticRecipe(ctx: RecipeContext, project: NodeProject): Recipe {
  if (!project.build) {
    return detectionFailed(
      'package.json has no build script, so there is no static site to build',
      'Add scripts.build to package.json, or set build: in berth.yaml.',
    );
  }
  const base = primaryImage(ctx, 'node');
  const start = serveStatic(ctx);
  return {
    builder: 'static',
    lines: [
      ...nodeBuildStage(project, line`FROM ${base.image} AS build`),
      // The output folder is only known after the build ran; dist wins over build.
      line`RUN if [ -d dist ]; then mv dist /out; elif [ -d build ]; then mv build /out; else echo "berth: the build wrote neither dist/ nor build/; set start: in berth.yaml to run a server instead" >&2; exit 1; fi`,
      line`FROM ${runImage(ctx, 'static')}`,
      line`COPY --from=build /out /srv/www`,
      ...portLines(ctx.port),
      start.line,
    ],
    summary: [
      `Detected a static site built with Node.js (${project.found}; a build script and nothing to start)`,
      base.summary,
      project.build.summary,
      'Serve: dist/ or build/, whichever the build writes',
      start.summary,
    ],
  };
}
