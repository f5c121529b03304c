import { line, toPathText, type DockerLine, type PathText } from './dockerfile-text.js';
import { detectionFailed } from './recipe.js';
import type { SourceTree } from './build-plan.js';
import { hasFile, readDetectionFile } from './source-tree.js';

/** The parts of package.json that decide how a Node.js app is built and started. */
export interface PackageJson {
  scripts: { build: string | null; start: string | null };
  main: string | null;
  hasDependencies: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const nonEmpty = (v: unknown): boolean => isRecord(v) && Object.keys(v).length > 0;

const scriptOf = (scripts: unknown, name: string): string | null => {
  if (!isRecord(scripts)) return null;
  const value = scripts[name];
  return typeof value === 'string' && value.trim() !== '' ? value : null;
};

/** The tree's root package.json, or null when there is none. */
export function readPackageJson(tree: SourceTree): PackageJson | null {
  const text = readDetectionFile(tree, 'package.json');
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    detectionFailed(
      `package.json is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
      'Fix package.json (`node -e "require(\'./package.json\')"` shows where it breaks).',
    );
  }
  if (!isRecord(parsed)) {
    detectionFailed('package.json is not valid: it must be a JSON object', 'Fix package.json.');
  }
  const { main } = parsed;
  if (main !== undefined && typeof main !== 'string') {
    detectionFailed('package.json is not valid: "main" must be a string', 'Fix package.json.');
  }
  return {
    scripts: { build: scriptOf(parsed.scripts, 'build'), start: scriptOf(parsed.scripts, 'start') },
    main: main ?? null,
    hasDependencies: nonEmpty(parsed.dependencies) || nonEmpty(parsed.devDependencies),
  };
}

/** How dependencies are installed: chosen by the lockfile, as the project's authors do. */
export interface PackageManager {
  /** Files copied before the install, so the install layer is reused until they change. */
  manifests: PathText[];
  /** Null when there is nothing to install. */
  install: DockerLine | null;
  name: 'npm' | 'pnpm' | 'yarn';
  /** `npm run build` in the project's package manager. */
  runBuild: DockerLine;
  /** For the log: "package-lock.json → npm ci". */
  description: string;
}

const path = (p: string): PathText => toPathText(p, { found: 'file' });

export function choosePackageManager(tree: SourceTree, pkg: PackageJson): PackageManager {
  const present = (names: string[]): PathText[] => names.filter((n) => hasFile(tree, n)).map(path);
  if (hasFile(tree, 'pnpm-lock.yaml')) {
    return {
      manifests: present(['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc']),
      name: 'pnpm',
      install: line`RUN npm install -g pnpm@9 && pnpm install --frozen-lockfile`,
      runBuild: line`RUN pnpm run build`,
      description: 'pnpm-lock.yaml → pnpm install --frozen-lockfile',
    };
  }
  if (hasFile(tree, 'yarn.lock')) {
    return {
      manifests: present(['package.json', 'yarn.lock', '.yarnrc', '.npmrc']),
      name: 'yarn',
      install: line`RUN npm install -g yarn@1 && yarn install --frozen-lockfile`,
      runBuild: line`RUN yarn run build`,
      description: 'yarn.lock → yarn install --frozen-lockfile',
    };
  }
  const lockfile = ['package-lock.json', 'npm-shrinkwrap.json'].find((n) => hasFile(tree, n));
  const npm = {
    manifests: present(
      lockfile === undefined ? ['package.json', '.npmrc'] : ['package.json', lockfile, '.npmrc'],
    ),
    name: 'npm' as const,
    runBuild: line`RUN npm run build`,
  };
  if (lockfile !== undefined) {
    return { ...npm, install: line`RUN npm ci`, description: `${lockfile} → npm ci` };
  }
  if (!pkg.hasDependencies) {
    return { ...npm, install: null, description: 'no dependencies and no lockfile → no install step' };
  }
  return { ...npm, install: line`RUN npm install`, description: 'no lockfile → npm install' };
}
