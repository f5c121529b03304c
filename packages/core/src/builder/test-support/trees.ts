import { DETECTION_FILES, type BuildPlan, type BuildPlanOptions, type SourceTree } from '../build-plan.js';
import { DEFAULT_BASE_IMAGES } from '../base-images.js';

/** A source tree from path → contents; contents of non-detection files are ignored, as the caller does. */
export function tree(files: Record<string, string>): SourceTree {
  const contents = new Map<string, string>();
  for (const [path, text] of Object.entries(files)) {
    if (DETECTION_FILES.includes(path)) contents.set(path, text);
  }
  return { files: new Set(Object.keys(files)), contents };
}

export const options = (over: Partial<BuildPlanOptions> = {}): BuildPlanOptions => ({
  manifest: null,
  baseImages: DEFAULT_BASE_IMAGES,
  defaultPort: 8080,
  ...over,
});

/** The generated Dockerfile's lines; fails the test when the plan uses a Dockerfile from the tree. */
export function dockerfileLines(plan: BuildPlan): string[] {
  if (!('generated' in plan.dockerfile))
    throw new Error(`expected a generated Dockerfile, got ${plan.dockerfile.path}`);
  return plan.dockerfile.generated.trimEnd().split('\n');
}

export const pkg = (json: object): string => JSON.stringify(json);
