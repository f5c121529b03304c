import type { BerthManifest, BuilderName } from '@berth/protocol';
import type { BaseImages } from './base-images.js';

/** Root-level files whose contents detection reads; the caller reads these and nothing else. */
export const DETECTION_FILES: readonly string[] = [
  'berth.yaml',
  'package.json',
  'requirements.txt',
  'pyproject.toml',
  'Procfile',
  'go.mod',
];

export interface SourceTree {
  /** Every file path in the tree, relative, posix separators (the caller lists them; may be capped). */
  files: ReadonlySet<string>;
  /** Contents of those DETECTION_FILES that exist (utf8). */
  contents: ReadonlyMap<string, string>;
}

/** Where the caller puts a generated Dockerfile in the build context. */
export const GENERATED_DOCKERFILE_PATH = '.berth.Dockerfile';

export interface BuildPlanOptions {
  manifest: BerthManifest | null;
  baseImages: BaseImages;
  /** The port a detected app listens on when berth.yaml sets none (Berth's default is 8080). */
  defaultPort: number;
}

export interface BuildPlan {
  builder: BuilderName;
  /** The Dockerfile to use: a path inside the tree, or generated text (the caller adds it to the build context at GENERATED_DOCKERFILE_PATH). */
  dockerfile: { path: string } | { generated: string };
  /** Port the app listens on; detected apps get PORT in their env and are routed to it. Null for Dockerfile builds unless berth.yaml sets port. */
  port: number | null;
  healthPath: string | null;
  /** berth.yaml env defaults, plus PORT for detected builds. */
  env: Record<string, string>;
  replicas: number | null;
  /** Human lines for the build log: what was found and why this builder. */
  summary: string[];
}
