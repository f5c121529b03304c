import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { createClient } from '@berth/client';
import { createTestRepo } from '../test/support/git-repos.js';
import type { BerthUnderTest } from '../test/e2e/support/berth.js';
import { percentile, waitForBody } from './measure.js';

type Client = ReturnType<typeof createClient>;

export interface BuildFigures {
  bootstrapSeconds: number;
  cold: number;
  warm: number[];
}

const SAMPLE = fileURLToPath(new URL('../test/fixtures/apps/node', import.meta.url));

/**
 * Build + deploy of the Node sample from a local git repository: once cold (a new app: its own
 * layers are not cached, the base image is), then warm rebuilds with one source file changed per
 * commit, each timed from the API call to the new release answering through the proxy.
 */
export async function measureBuilds(
  berth: BerthUnderTest,
  client: Client,
  warmRuns = 5,
): Promise<BuildFigures> {
  const t0 = performance.now();
  for await (const line of client.bootstrapImages({ only: ['node'] })) {
    if (line.type === 'error') throw new Error(line.error.message);
  }
  const bootstrapSeconds = (performance.now() - t0) / 1000;
  const root = await mkdtemp(join(tmpdir(), 'berth-bench-src-'));
  try {
    const repo = await createTestRepo(join(root, 'app'));
    await cp(SAMPLE, repo.path, { recursive: true });
    await repo.git(['add', '--all']);
    await repo.git(['commit', '--quiet', '-m', 'v0']);
    // A unique message per run, so no earlier bench run's layers make "cold" warm.
    const stamp = Date.now().toString(36);
    await writeFile(join(repo.path, 'message.txt'), `bench ${stamp} 0\n`);
    await repo.git(['commit', '--quiet', '-am', 'stamp']);
    await client.createApp({ name: 'built', git: { url: repo.path } });
    const cold = await deployAndServe(berth, client, `bench ${stamp} 0`);
    const warm: number[] = [];
    for (let i = 1; i <= warmRuns; i++) {
      await repo.commit({ 'message.txt': `bench ${stamp} ${i}\n` }, `change ${i}`);
      warm.push(await deployAndServe(berth, client, `bench ${stamp} ${i}`));
    }
    return { bootstrapSeconds, cold, warm };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function deployAndServe(berth: BerthUnderTest, client: Client, body: string): Promise<number> {
  const started = performance.now();
  const d = await client.deploy('built');
  let status = 'unknown';
  for await (const line of client.deploymentEvents(d.id, true))
    if (line.type === 'end') status = line.deployment.status;
  if (status !== 'succeeded') throw new Error(`build + deploy ${status}`);
  await waitForBody(berth.httpPort, 'built.localhost', body);
  return performance.now() - started;
}

export function buildRows(f: BuildFigures): string[] {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return [
    `| build + deploy of the Node sample, cold (new app; base image present) | ${s(f.cold)} | |`,
    `| build + deploy, warm (one source file changed; dependency layer reused), ${f.warm.length} runs | ${s(percentile(f.warm, 50))} | ${s(percentile(f.warm, 95))} |`,
  ];
}
