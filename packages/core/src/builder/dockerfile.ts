import { BerthError, type BerthManifest } from '@berth/protocol';
import { toPathText } from './dockerfile-text.js';
import type { SourceTree } from './build-plan.js';
import { hasFile, normalizeRelPath } from './source-tree.js';

/** A Dockerfile the source brings, and why it was picked. */
export interface DockerfileChoice {
  path: string;
  summary: string;
}

const ROOT_DOCKERFILES = ['Dockerfile', 'Containerfile'] as const;

/** berth.yaml `dockerfile:`, else Dockerfile, else Containerfile at the root; null when none. */
export function findDockerfile(tree: SourceTree, manifest: BerthManifest): DockerfileChoice | null {
  if (manifest.dockerfile !== undefined) {
    const path = normalizeRelPath(toPathText(manifest.dockerfile, { manifestKey: 'dockerfile' }));
    if (!hasFile(tree, path)) {
      const message = `names ${path}, which is not in the source`;
      throw new BerthError('BUILD_MANIFEST_INVALID', `berth.yaml is not valid: dockerfile ${message}`, {
        issues: [{ path: 'dockerfile', message }],
        hint: 'Give the path of the Dockerfile relative to the root of the repository.',
      });
    }
    return { path, summary: `Using ${path} (berth.yaml dockerfile)` };
  }
  const found = ROOT_DOCKERFILES.find((f) => hasFile(tree, f));
  return found === undefined ? null : { path: found, summary: `Using the ${found} at the root` };
}

/** The keys that only shape a generated Dockerfile, named when a Dockerfile build ignores them. */
export function ignoredForDockerfile(manifest: BerthManifest): string[] {
  const keys = (['base_image', 'build', 'start'] as const).filter((k) => manifest[k] !== undefined);
  return keys.length === 0
    ? []
    : [`berth.yaml ${keys.join(', ')} not used: the Dockerfile says how to build and start the app`];
}
