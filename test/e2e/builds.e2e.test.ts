/**
 * Builds from source, driven like a person would against a real `berth up`: the base images
 * bootstrapped from Debian packages (once per machine: they stay in the engine's store), sample
 * apps served from local git repositories, a push webhook deploying a second commit under load,
 * a broken build, injection attempts, and a directory upload.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { webhookSignature } from '@berth/crypto';
import type { App, Build, Deployment, WebhookInfo } from '@berth/protocol';
import { ensureExampleImages } from '../support/images.js';
import { createTestRepo, type TestRepo } from '../support/git-repos.js';
import { BerthUnderTest } from './support/berth.js';
import { runLoad } from './support/load.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/apps', import.meta.url));

/** A git repository (branch main) holding a copy of a sample app, committed once. */
async function repoOf(root: string, sample: string): Promise<TestRepo> {
  const repo = await createTestRepo(join(root, sample));
  await cp(join(FIXTURES, sample), repo.path, { recursive: true });
  await repo.git(['add', '--all']);
  await repo.git(['commit', '--quiet', '-m', `${sample} v1`]);
  return repo;
}

describe('builds from source, end to end', () => {
  let berth: BerthUnderTest;
  let root: string;
  const repos: Record<string, TestRepo> = {};

  before(async () => {
    await ensureExampleImages();
    root = await mkdtemp(join(tmpdir(), 'berth-e2e-src-'));
    for (const sample of ['node', 'static', 'python', 'dockerfile', 'broken']) {
      repos[sample] = await repoOf(root, sample);
    }
    berth = await BerthUnderTest.create();
    await berth.start();
  });
  after(async () => {
    await berth?.destroy();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('images bootstrap builds the base images from Debian packages, then finds them up to date', async () => {
    const first = await berth.cli(['images', 'bootstrap', '--only', 'node,python,static', '--json']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const again = await berth.json<{ images: { kind: string; status: string }[] }>([
      'images',
      'bootstrap',
      '--only',
      'node,python,static',
    ]);
    assert.deepEqual(
      again.images.map((i) => i.status),
      again.images.map(() => 'up-to-date'),
    );
    assert.deepEqual(again.images.map((i) => i.kind).sort(), ['debian', 'node', 'python', 'static']);
  });

  for (const [sample, builder, body] of [
    ['node', 'node', 'node v1'],
    ['static', 'static', 'static v1'],
    ['python', 'python', 'python v1'],
    ['dockerfile', 'dockerfile', 'dockerfile v1'],
  ] as const) {
    test(`a ${sample} app from a local git repository: detected, built, deployed, served`, async () => {
      const repo = repos[sample];
      assert.ok(repo);
      const url = sample === 'python' ? `file://${repo.path}` : repo.path;
      const created = await berth.cli(['apps', 'create', sample, '--git', url, '--branch', 'main']);
      assert.equal(created.code, 0, created.stderr);
      const deployed = await berth.cli(['deploy', sample]);
      assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
      assert.match(deployed.stdout, /│ /, 'the build log streams to the terminal');
      const res = await berth.get(sample);
      assert.equal(res.status, 200);
      assert.match(res.body, new RegExp(body));
      const builds = await berth.json<Build[]>(['builds', sample]);
      assert.equal(builds[0]?.status, 'succeeded');
      assert.equal(builds[0]?.builder, builder);
      assert.equal(builds[0]?.commit, await repo.git(['rev-parse', 'HEAD']));
      assert.match(builds[0]?.image ?? '', new RegExp(`^localhost/berth/${sample}:[0-9a-f]{12}$`));
      const log = await berth.cli(['logs', sample, '--build']);
      assert.equal(log.code, 0, log.stderr);
      if (builder !== 'dockerfile') assert.match(log.stdout, /Generated Dockerfile/);
    });
  }

  test('a second commit deployed by a signed GitHub webhook under load: 0 failed requests', async () => {
    const repo = repos.node;
    assert.ok(repo);
    const sha = await repo.commit({ 'message.txt': 'node v2\n' }, 'node v2');
    const hook = await berth.json<WebhookInfo & { url: string }>(['webhooks', 'show', 'node']);
    const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: sha, deleted: false }));
    let deployment: Deployment | null = null;
    const deploy = (async () => {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-hub-signature-256': webhookSignature(hook.secret, body),
        },
        body,
      });
      assert.equal(res.status, 202, await res.clone().text());
      const { deploymentId } = (await res.json()) as { deploymentId: string };
      for (;;) {
        deployment = await berth.json<Deployment>(['deployments', 'show', deploymentId]);
        if (deployment.status === 'succeeded' || deployment.status === 'failed') return;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const load = await runLoad({
      port: berth.httpPort,
      host: 'node.localhost',
      concurrency: 4,
      until: deploy,
      minRequests: 500,
      maxMs: 180_000,
      keepAlive: true,
    });
    await deploy;
    assert.equal((deployment as Deployment | null)?.status, 'succeeded', JSON.stringify(deployment));
    assert.deepEqual(
      { non2xx: load.non2xx, errors: load.errors, codes: load.errorCodes },
      { non2xx: 0, errors: 0, codes: {} },
    );
    assert.ok((load.bodies['node v2'] ?? 0) > 0, JSON.stringify(load.bodies));
    const builds = await berth.json<Build[]>(['builds', 'node']);
    assert.equal(builds[0]?.trigger, 'webhook');
    assert.equal(builds[0]?.commit, sha);
  });

  test('a bad or missing signature is refused with 401 and builds nothing', async () => {
    const hook = await berth.json<WebhookInfo & { url: string }>(['webhooks', 'show', 'node']);
    const before = (await berth.json<Build[]>(['builds', 'node'])).length;
    const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'b'.repeat(40) }));
    for (const signature of [webhookSignature('not-the-secret', body), undefined]) {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          ...(signature && { 'x-hub-signature-256': signature }),
        },
        body,
      });
      assert.equal(res.status, 401);
    }
    const other = Buffer.from(JSON.stringify({ ref: 'refs/heads/feature', after: 'c'.repeat(40) }));
    const ignored = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': webhookSignature(hook.secret, other),
      },
      body: other,
    });
    assert.equal(ignored.status, 200);
    assert.equal(((await ignored.json()) as { outcome: string }).outcome, 'ignored');
    assert.equal((await berth.json<Build[]>(['builds', 'node'])).length, before);
  });

  test('a broken build fails the deployment with the failing step, and the old release keeps serving', async () => {
    const broken = repos.broken;
    assert.ok(broken);
    // The app serves the Dockerfile sample first, then its source moves to a broken commit.
    const created = await berth.cli(['apps', 'create', 'fragile', '--git', repos.dockerfile?.path ?? '']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((await berth.cli(['deploy', 'fragile'])).code, 0);
    const dockerfileRepo = repos.dockerfile;
    assert.ok(dockerfileRepo);
    await dockerfileRepo.git(['checkout', '--quiet', '-b', 'broken']);
    await dockerfileRepo.commit(
      {
        Dockerfile:
          'FROM localhost/berth/base-static:bookworm\nRUN echo "error: broken on purpose" >&2 && exit 7\n',
      },
      'break it',
    );
    const failed = await berth.cli(['deploy', 'fragile', '--branch', 'broken']);
    assert.equal(failed.code, 2, failed.stdout + failed.stderr);
    assert.match(failed.stderr, /Build #2 failed/);
    assert.match(failed.stdout + failed.stderr, /broken on purpose/);
    const res = await berth.get('fragile');
    assert.equal(res.status, 200);
    assert.match(res.body, /dockerfile v1/);
    const app = await berth.json<App>(['apps', 'show', 'fragile']);
    assert.equal(app.status, 'running');
    await dockerfileRepo.git(['checkout', '--quiet', 'main']);
  });

  test('injection in a branch or a URL is refused at the boundary and executes nothing', async () => {
    const marker = join(root, 'pwned');
    const attempts = [
      [
        'apps',
        'create',
        'inj1',
        '--git',
        repos.node?.path ?? '',
        '--branch',
        `--upload-pack=touch ${marker}`,
      ],
      ['apps', 'create', 'inj2', '--git', `file://${root}/node;touch ${marker}`],
      ['apps', 'create', 'inj3', '--git', `ext::sh -c touch% ${marker}`],
      ['apps', 'create', 'inj4', '--git', `${repos.node?.path ?? ''} $(touch ${marker})`],
    ];
    for (const args of attempts) {
      const r = await berth.cli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    const deploy = await berth.cli(['deploy', 'node', '--branch', `--upload-pack=touch ${marker}`]);
    assert.equal(deploy.code, 1);
    assert.deepEqual(
      (await readdir(root)).filter((f) => f === 'pwned'),
      [],
    );
  });

  test('builds cancel stops a running build: the deployment fails at once, the old release keeps serving', async () => {
    const repo = await createTestRepo(join(root, 'slow'));
    // A step of its own each run: a layer cached by an earlier run would make it instant.
    await repo.commit(
      { Dockerfile: `FROM localhost/berth/base-static:bookworm\nRUN echo ${unique()} && sleep 60\n` },
      'slow',
    );
    assert.equal((await berth.cli(['apps', 'create', 'slow', '--git', repo.path])).code, 0);
    const queued = await berth.json<Deployment>(['deploy', 'slow', '--no-wait']);
    await waitForRunning(berth, 'slow', queued.build?.number ?? 0);
    const started = Date.now();
    const cancel = await berth.cli(['builds', 'cancel', 'slow']);
    assert.equal(cancel.code, 0, cancel.stderr);
    const d = await waitForDeployment(berth, queued.id);
    assert.equal(d.status, 'failed');
    assert.equal(d.error?.code, 'BUILD_CANCELLED');
    assert.ok(Date.now() - started < 20_000, 'cancelled well before the 60 s step would end');
    const [build] = await berth.json<Build[]>(['builds', 'slow']);
    assert.equal(build?.status, 'cancelled');
  });

  test('kill -9 of berthd mid-build: the build goes on, and the deployment finishes once', async () => {
    const repo = repos.node;
    assert.ok(repo);
    const sha = await repo.commit(
      {
        Dockerfile:
          `FROM localhost/berth/base-static:bookworm\nRUN echo building ${unique()} && sleep 6 && echo built\n` +
          'COPY message.txt /etc/page.txt\nENTRYPOINT ["/bin/sh", "-c", "mkdir -p /www && cp /etc/page.txt /www/index.html && exec httpd -f -p \\"$PORT\\" -h /www"]\n',
        'message.txt': 'node v3\n',
      },
      'v3 as a Dockerfile build',
    );
    const queued = await berth.json<Deployment>(['deploy', 'node', '--no-wait']);
    await waitForRunning(berth, 'node', queued.build?.number ?? 0);
    const pid = await berth.pid('berthd');
    process.kill(pid, 'SIGKILL');
    await berth.waitForRestart('berthd', pid);
    const d = await waitForDeployment(berth, queued.id);
    assert.equal(d.status, 'succeeded', JSON.stringify(d.error));
    assert.match((await berth.get('node')).body, /node v3/);
    const [build] = await berth.json<Build[]>(['builds', 'node']);
    assert.deepEqual([build?.status, build?.commit], ['succeeded', sha]);
    const log = await berth.cli(['logs', 'node', '--build']);
    assert.equal(log.stdout.match(/==> Fetching/g)?.length, 1, `the build ran once:\n${log.stdout}`);
  });

  test('deploy --from-dir uploads a directory, honouring .gitignore and .dockerignore', async () => {
    const dir = join(root, 'upload');
    await cp(join(FIXTURES, 'static'), dir, { recursive: true });
    await writeFile(join(dir, 'secret.env'), 'TOKEN=do-not-ship\n');
    await writeFile(join(dir, '.dockerignore'), 'secret.env\n');
    const created = await berth.cli(['apps', 'create', 'site']);
    assert.equal(created.code, 0, created.stderr);
    const deployed = await berth.cli(['deploy', 'site', '--from-dir', dir]);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    assert.match((await berth.get('site')).body, /static v1/);
    assert.equal((await berth.get('site', '/secret.env')).status, 404);
    const builds = await berth.json<Build[]>(['builds', 'site']);
    assert.equal(builds[0]?.trigger, 'upload');
    assert.equal(builds[0]?.source.type, 'archive');
  });
});

const unique = (): string => `${process.pid}-${Date.now().toString(36)}`;

/** The newest build once it is running; fails at once if it ended without being seen running. */
async function waitForRunning(berth: BerthUnderTest, app: string, number: number): Promise<Build> {
  for (let i = 0; i < 300; i++) {
    const b = (await berth.json<Build[]>(['builds', app])).find((x) => x.number === number);
    if (b?.status === 'running') return b;
    if (b && b.status !== 'queued')
      throw new Error(`build #${number} of ${app} ${b.status} before it was seen running`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`build #${number} of ${app} did not start`);
}

async function waitForDeployment(berth: BerthUnderTest, id: string): Promise<Deployment> {
  for (let i = 0; i < 240; i++) {
    const d = await berth.json<Deployment>(['deployments', 'show', id]);
    if (d.status === 'succeeded' || d.status === 'failed') return d;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`deployment ${id} did not end`);
}
