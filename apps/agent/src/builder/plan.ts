import {
  DEFAULT_PORT,
  DETECTION_FILES,
  parseManifest,
  planBuild,
  type BaseImages,
  type BuildPlan,
} from '@berth/core';
import { listFiles, readFileBeneath } from '@berth/engine';

const MAX_FILES = 50_000;
const MAX_DETECTION_FILE_BYTES = 1024 * 1024;

/** Reads what detection needs from a checked-out source and decides how to build it. */
export async function planSourceBuild(
  dir: string,
  baseImages: BaseImages,
  onLine: (line: string) => void,
): Promise<BuildPlan> {
  const files = new Set(await listFiles(dir, { ignoreFiles: ['.dockerignore'], max: MAX_FILES }));
  const contents = new Map<string, string>();
  for (const name of DETECTION_FILES) {
    if (!files.has(name)) continue;
    // Beneath the root: a berth.yaml linked to /etc/shadow, or through a chain of links out of
    // the tree, is not read (and so never printed in an error or a build log).
    const text = await readFileBeneath(dir, name, MAX_DETECTION_FILE_BYTES);
    if (text !== null) contents.set(name, text);
  }
  const yaml = contents.get('berth.yaml');
  const manifest = yaml === undefined ? null : parseManifest(yaml);
  const plan = planBuild({ files, contents }, { manifest, baseImages, defaultPort: DEFAULT_PORT });
  for (const line of plan.summary) onLine(`==> ${line}`);
  if ('generated' in plan.dockerfile) {
    onLine('==> Generated Dockerfile:');
    for (const line of plan.dockerfile.generated.trimEnd().split('\n')) onLine(`    | ${line}`);
  }
  return plan;
}

/** The images a Dockerfile starts from (stage names excluded): `FROM image [AS name]`. */
export function baseImagesOf(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const m of dockerfile.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/gim)) {
    const image = m[1] ?? '';
    if (!stages.has(image.toLowerCase()) && image !== 'scratch') images.push(image);
    if (m[2]) stages.add(m[2].toLowerCase());
  }
  return images;
}
