/**
 * A build sandbox for integration tests, set up as `berth up` sets up its own: the build user
 * (created when missing: tests run as root, as CI does), a builder dir, and in its base store a
 * tiny busybox image (`localhost/berth/test-busybox:1`) to build FROM. The builder dir is shared
 * by every test process of a run (BERTH_TEST_BUILDER_DIR, default /var/tmp/berth-test-builder)
 * so the base store is made once; each test uses team ids of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkBuilderHost,
  DEFAULT_BUILD_USER,
  imageLabels,
  importRootfs,
  packDirectory,
  planPodmanHostConfig,
  prepareBuildHost,
  readPodmanHostFacts,
  SandboxedBuilder,
} from '@berth/engine';

export const TEST_BASE_IMAGE = 'localhost/berth/test-busybox:1';
const APPLETS = [
  'sh',
  'ls',
  'cat',
  'echo',
  'nc',
  'id',
  'touch',
  'sleep',
  'mkdir',
  'printf',
  'test',
  'true',
  'wc',
];

export function testBuilderDir(env: NodeJS.ProcessEnv): string {
  return env.BERTH_TEST_BUILDER_DIR ?? '/var/tmp/berth-test-builder';
}

let shared: Promise<SandboxedBuilder> | null = null;

/** The sandboxed builder of this test process, with the test base image in its base store. */
export function startTestBuilder(env: NodeJS.ProcessEnv = process.env): Promise<SandboxedBuilder> {
  shared ??= (async () => {
    await prepareBuildHost(DEFAULT_BUILD_USER);
    const check = await checkBuilderHost(DEFAULT_BUILD_USER, env.PATH ?? '/usr/bin:/bin');
    if (!check.ok) throw new Error(`the build sandbox cannot run here: ${check.problems.join('; ')}`);
    const dir = testBuilderDir(env);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const builder = new SandboxedBuilder({
      host: check.host,
      dir,
      podmanPlan: planPodmanHostConfig(await readPodmanHostFacts()),
    });
    await builder.base(AbortSignal.timeout(120_000), async ({ http }) => {
      if ((await imageLabels(http, TEST_BASE_IMAGE)) !== null) return;
      const root = await busyboxRootfs();
      try {
        const tar = packDirectory(root, { ignoreFiles: [] });
        await importRootfs(http, tar.stream, TEST_BASE_IMAGE, {});
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
    return builder;
  })();
  return shared;
}

/** A team id no other test uses (the builder keeps one storage per team). */
export const testTeamId = (): string =>
  `tm_${Array.from(randomBytes(20), (b) => 'abcdefghijklmnopqrstuvwxyz234567'[b % 32]).join('')}`;

async function busyboxRootfs(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'berth-busybox-'));
  await mkdir(join(root, 'bin'));
  await mkdir(join(root, 'tmp'), { mode: 0o1777 });
  await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
  for (const applet of APPLETS) await symlink('busybox', join(root, 'bin', applet));
  return root;
}
