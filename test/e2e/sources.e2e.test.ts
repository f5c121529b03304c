/**
 * Sources, images and webhooks across teams, against a real `berth up` started with
 * `--allow-local-sources`, driven as an owner of a second team ("bravo") would: local
 * repositories in the allowed directory build and serve, anything else of the host is refused
 * (also when a link is swapped in later, and once the allowance is gone); an old signed push
 * replayed deploys nothing while a force-push deploys; another team's built image is refused
 * by name and under a name the host gave it; uploads the agent refuses leave nothing behind.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { webhookSignature } from '@berth/crypto';
import type { AuditRow, Build, Deployment, WebhookInfo } from '@berth/protocol';
import { createTestRepo, type TestRepo } from '../support/git-repos.js';
import { ensureExampleImages } from '../support/images.js';
import { tarOf } from '../support/tar.js';
import { BerthUnderTest, podman } from './support/berth.js';

const PASSWORD = 'correct horse battery staple';
const NOT_ALLOWED = /is not in a directory of this machine that team bravo may build from/;

/**
 * A Dockerfile app on Berth's static base image (builds see Berth's base images, not the host's),
 * serving `page`; no RUN step, so it builds in a blink.
 */
const siteFiles = (page: string): Record<string, string> => ({
  Dockerfile:
    'FROM localhost/berth/base-static:bookworm\nCOPY page.txt /etc/page.txt\n' +
    'ENTRYPOINT ["/bin/sh", "-c", "mkdir -p /www && cp /etc/page.txt /www/index.html && exec httpd -f -v -p \\"$PORT\\" -h /www"]\n',
  'page.txt': `${page}\n`,
});

describe('sources, images and webhooks across teams, end to end', () => {
  let berth: BerthUnderTest;
  let root: string;
  let allowed: string;
  let site: TestRepo;
  let outside: TestRepo;
  let bravo: Record<string, string>;

  const api = async (method: string, path: string, body: unknown, token: string | null) => {
    const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const asBravo = (args: string[]) => berth.cli(args, bravo);
  const bravoJson = async <T>(args: string[]): Promise<T> => {
    const r = await asBravo([...args, '--json']);
    assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  before(async () => {
    await ensureExampleImages();
    root = await mkdtemp(join(tmpdir(), 'berth-e2e-sources-'));
    allowed = join(root, 'allowed');
    await mkdir(allowed);
    site = await createTestRepo(join(allowed, 'site'));
    await site.commit(siteFiles('site v1'), 'v1');
    outside = await createTestRepo(join(root, 'outside', 'secret'));
    await outside.commit(siteFiles('outside the allowed directory'), 'secret');
    await symlink(join(root, 'outside'), join(allowed, 'link'));
    berth = await BerthUnderTest.create();
    await berth.start(['--allow-local-sources', allowed]);
    const boot = await berth.cli(['images', 'bootstrap', '--only', 'static']);
    assert.equal(boot.code, 0, boot.stdout + boot.stderr);
    // Team bravo, made by an installation owner who logs in, with an owner token of its own.
    const admin = await berth.token();
    await api('POST', '/users', { email: 'root@e2e.example', role: 'owner', password: PASSWORD }, admin);
    const session = await api('POST', '/sessions', { email: 'root@e2e.example', password: PASSWORD }, null);
    await api('POST', '/teams', { name: 'bravo' }, String(session.token));
    const owner = await api(
      'POST',
      '/tokens',
      { name: 'b-owner', role: 'owner', team: 'bravo' },
      String(session.token),
    );
    bravo = { BERTH_TOKEN: String(owner.token) };
  });
  after(async () => {
    await berth?.destroy();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('another team builds and serves a repository of the allowed directory', async () => {
    const created = await asBravo([
      'apps',
      'create',
      'site',
      '--team',
      'bravo',
      '--git',
      site.path,
      '--branch',
      'main',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const deployed = await asBravo(['deploy', 'site']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    assert.match((await berth.get('site')).body, /site v1/);
  });

  test('outside it, through a link out of it, or file:///etc: refused with one answer, nothing built', async () => {
    const answers = new Set<string>();
    for (const url of [outside.path, join(allowed, 'link', 'secret'), 'file:///etc', '/no/such/repo']) {
      const r = await asBravo(['apps', 'create', 'stray', '--team', 'bravo', '--git', url]);
      assert.equal(r.code, 1, `${url}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, NOT_ALLOWED);
      answers.add(r.stderr.replace(url, '∅'));
    }
    assert.equal(answers.size, 1, [...answers].join('\n'));
    // A repository swapped for a link to the outside after the app was made: refused at its build.
    const swap = await createTestRepo(join(allowed, 'swap'));
    await swap.commit(siteFiles('swap v1'), 'v1');
    assert.equal((await asBravo(['apps', 'create', 'swap', '--team', 'bravo', '--git', swap.path])).code, 0);
    await rm(swap.path, { recursive: true, force: true });
    await symlink(outside.path, swap.path);
    const deployed = await asBravo(['deploy', 'swap']);
    assert.equal(deployed.code, 2, deployed.stdout + deployed.stderr);
    assert.match(deployed.stderr, NOT_ALLOWED);
    const [build] = await bravoJson<Build[]>(['builds', 'swap']);
    assert.deepEqual(
      [build?.status, build?.error?.code, build?.image],
      ['failed', 'SOURCE_NOT_ALLOWED', null],
    );
  });

  test('webhooks: an old signed push replayed deploys nothing and says why; a force-push deploys', async () => {
    const hook = await bravoJson<WebhookInfo>(['webhooks', 'show', 'site']);
    let delivery = 0;
    const push = async (commit: string, kind: 'github' | 'generic' = 'github'): Promise<Deployment> => {
      const body = Buffer.from(
        JSON.stringify(
          kind === 'github' ? { ref: 'refs/heads/main', after: commit } : { ref: 'main', commit },
        ),
      );
      const res = await fetch(kind === 'github' ? hook.github : hook.generic, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': `delivery-${(delivery += 1)}`,
          'x-hub-signature-256': webhookSignature(hook.secret, body),
        },
        body,
      });
      assert.equal(res.status, 202, await res.clone().text());
      return waitForEnd(berth, ((await res.json()) as { deploymentId: string }).deploymentId, bravo);
    };
    const v2 = await site.commit(siteFiles('site v2'), 'v2');
    assert.equal((await push(v2)).status, 'succeeded');
    const v3 = await site.commit(siteFiles('site v3'), 'v3');
    assert.equal((await push(v3)).status, 'succeeded');
    assert.match((await berth.get('site')).body, /site v3/);

    for (const kind of ['github', 'generic'] as const) {
      const replayed = await push(v2, kind);
      assert.equal(replayed.status, 'ignored', JSON.stringify(replayed));
      assert.equal(replayed.error?.code, 'BUILD_COMMIT_NOT_TIP');
      assert.match(
        replayed.error?.message ?? '',
        new RegExp(`${v2.slice(0, 12)} is not the tip of branch main`),
      );
      assert.match((await berth.get('site')).body, /site v3/, 'the newer release keeps serving');
    }
    const [build] = await bravoJson<Build[]>(['builds', 'site']);
    assert.deepEqual([build?.status, build?.trigger, build?.image], ['ignored', 'webhook', null]);
    const rows = await bravoJson<AuditRow[]>(['audit', 'list', '--limit', '1000']);
    const ignored = rows.filter((r) => r.action === 'webhook.ignored');
    assert.equal(ignored.length, 2, JSON.stringify(ignored));
    assert.match(String(ignored[0]?.detail.reason), /not the tip/);

    // A force-push back to v2: v2 is the tip now, so its push deploys.
    await site.git(['reset', '--quiet', '--hard', v2]);
    assert.equal((await push(v2)).status, 'succeeded');
    assert.match((await berth.get('site')).body, /site v2/);
  });

  test("another team's built image: refused by name and by id; under a name the host gave it, at the deploy", async () => {
    const created = await berth.cli(['apps', 'create', 'alpha', '--git', outside.path]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(
      (await berth.cli(['deploy', 'alpha'])).code,
      0,
      'the installation owner builds from anywhere',
    );
    const [built] = await berth.json<Build[]>(['builds', 'alpha']);
    assert.ok(built?.image && built.imageId);

    const local = await asBravo(['deploy', 'site', '--image', 'localhost/hello:1']);
    assert.equal(local.code, 1, local.stderr);
    assert.match(local.stderr, /may not deploy images of the host's engine/);
    const byName = await asBravo(['deploy', 'site', '--image', built.image]);
    assert.equal(byName.code, 1, byName.stderr);
    assert.match(byName.stderr, /is not an image built for an app of team bravo/);
    const byId = await asBravo(['deploy', 'site', '--image', built.imageId.slice(7, 19)]);
    assert.equal(byId.code, 1, byId.stderr);
    assert.match(byId.stderr, /not an image id/);

    assert.equal((await berth.cli(['teams', 'allow-local-images', 'bravo'])).code, 0);
    const retag = `localhost/e2e-retag-${process.pid}:1`;
    await podman(['tag', built.image, retag]);
    try {
      const hidden = await asBravo(['deploy', 'site', '--image', retag]);
      assert.equal(hidden.code, 2, hidden.stdout + hidden.stderr);
      assert.match(hidden.stderr, /is not an image built for an app of team bravo/);
      assert.match((await berth.get('site')).body, /site v2/, 'what served keeps serving');
    } finally {
      await podman(['untag', built.image, retag]).catch(() => podman(['rmi', retag]));
      await berth.cli(['teams', 'allow-local-images', 'bravo', '--off']);
    }
  });

  test('uploads the agent refuses (not a tar, a path out of it) leave nothing on either side', async () => {
    assert.equal((await asBravo(['apps', 'create', 'up', '--team', 'bravo'])).code, 0);
    for (const body of [
      Buffer.alloc(64 * 1024, 0x41),
      tarOf({ '../escape.txt': 'out\n', 'index.html': 'hi\n' }),
    ]) {
      const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/apps/up/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bravo.BERTH_TOKEN}`, 'content-type': 'application/x-tar' },
        body,
      });
      assert.equal(res.status, 202, await res.clone().text());
      const d = await waitForEnd(berth, ((await res.json()) as Deployment).id, bravo);
      assert.equal(d.status, 'failed', JSON.stringify(d));
      assert.deepEqual(await readdir(join(berth.dataDir, 'uploads')).catch(() => []), []);
      assert.deepEqual(await readdir(join(berth.dataDir, 'agent', 'builds', 'uploads')).catch(() => []), []);
    }
  });

  test('once the directory is no longer allowed, the next build of it is refused', async () => {
    await berth.stop();
    await berth.start();
    const deployed = await asBravo(['deploy', 'site']);
    assert.equal(deployed.code, 2, deployed.stdout + deployed.stderr);
    assert.match(deployed.stderr, NOT_ALLOWED);
    assert.match((await berth.get('site')).body, /site v2/);
    // The installation owners' own source (default team) still builds.
    const own = await berth.cli(['deploy', 'alpha']);
    assert.equal(own.code, 0, own.stdout + own.stderr);
  });
});

/** Waits for a deployment of team bravo (`as`: its token) to end. */
async function waitForEnd(
  berth: BerthUnderTest,
  id: string,
  as: Record<string, string>,
): Promise<Deployment> {
  for (let i = 0; i < 480; i++) {
    const r = await berth.cli(['deployments', 'show', id, '--json'], as);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const d = JSON.parse(r.stdout) as Deployment;
    if (['succeeded', 'failed', 'ignored'].includes(d.status)) return d;
    await sleep(250);
  }
  throw new Error(`deployment ${id} did not end`);
}
