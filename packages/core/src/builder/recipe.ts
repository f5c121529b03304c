import { BerthError, type BerthManifest, type BuilderName } from '@berth/protocol';
import type { BaseImageKind, BaseImages } from './base-images.js';
import {
  execForm,
  line,
  shellForm,
  toCommandText,
  toImageText,
  type CommandText,
  type DockerLine,
  type ImageText,
} from './dockerfile-text.js';
import type { SourceTree } from './build-plan.js';

/** What every generator gets: the tree, berth.yaml (or `{}`), the base images and the port. */
export interface RecipeContext {
  tree: SourceTree;
  manifest: BerthManifest;
  baseImages: BaseImages;
  port: number;
}

/** A generated Dockerfile and the log lines that explain it. */
export interface Recipe {
  builder: BuilderName;
  lines: DockerLine[];
  summary: string[];
}

/** One step of a recipe: the instruction and how it reads in the build log. */
export interface Step {
  line: DockerLine;
  summary: string;
}

/**
 * The image of the stage the builder is named for. berth.yaml `base_image` replaces it; a
 * separate run stage (see runImage) stays on Berth's image, which has what the run needs.
 */
export function primaryImage(ctx: RecipeContext, kind: BaseImageKind): { image: ImageText; summary: string } {
  const custom = ctx.manifest.base_image;
  if (custom !== undefined) {
    return {
      image: toImageText(custom, { manifestKey: 'base_image' }),
      summary: `Base image: ${custom} (berth.yaml base_image)`,
    };
  }
  const image = runImage(ctx, kind);
  return { image, summary: `Base image: ${image}` };
}

export const runImage = (ctx: RecipeContext, kind: BaseImageKind): ImageText =>
  toImageText(ctx.baseImages[kind], { found: `Berth's ${kind} base image` });

/** `ENV PORT` and `EXPOSE`: detected apps listen on the port Berth routes to. */
export const portLines = (port: number): DockerLine[] => [line`ENV PORT=${port}`, line`EXPOSE ${port}`];

/** berth.yaml `build:` as a step, or null when it sets none. */
export function manifestBuild(ctx: RecipeContext): Step | null {
  const build = ctx.manifest.build;
  if (build === undefined) return null;
  return {
    line: shellForm('RUN', toCommandText(build, { manifestKey: 'build' })),
    summary: `Build: ${build} (berth.yaml build)`,
  };
}

/** berth.yaml `start:` as the CMD, or null when it sets none. */
export function manifestStart(ctx: RecipeContext): Step | null {
  const start = ctx.manifest.start;
  if (start === undefined) return null;
  return shellStart(toCommandText(start, { manifestKey: 'start' }), 'berth.yaml start');
}

/** A CMD of `sh -c <command>`, so a person's command line works as typed ($PORT, &&). */
export const shellStart = (command: CommandText, why: string): Step => ({
  line: shellForm('CMD', command),
  summary: `Start: ${command} (${why})`,
});

/** A CMD of fixed argv, e.g. ["npm", "start"]. */
export const startArgv = (argv: readonly [string, ...string[]], why: string): Step => ({
  line: execForm('CMD', argv),
  summary: `Start: ${argv.join(' ')} (${why})`,
});

export function detectionFailed(message: string, hint: string): never {
  throw new BerthError('BUILD_DETECTION_FAILED', message, { hint });
}
