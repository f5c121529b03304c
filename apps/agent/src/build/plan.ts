import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_PORT,
  DETECTION_FILES,
  parseManifest,
  planBuild,
  type BaseImages,
  type BuildPlan,
} from '@berth/core';
import { listFiles } from '@berth/engine';

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
    const path = join(dir, name);
    const s = await stat(path);
    if (s.size > MAX_DETECTION_FILE_BYTES) continue;
    contents.set(name, await readFile(path, 'utf8'));
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
