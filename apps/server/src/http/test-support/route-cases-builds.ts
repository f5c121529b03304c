import assert from 'node:assert/strict';
import { webhookSignature } from '@berth/crypto';
import type { Build, Deployment, WebhookInfo } from '@berth/protocol';
import { sourceAppWithBuild, tarOf } from './fixtures.js';
import { API } from './http.js';
import { get, named, ndjsonLines, type Ctx, type RouteCase } from './route-cases.js';

/** Cases for builds from source, uploads, webhooks and base images: see route-cases.ts. */

const withBuild = async (c: Ctx): Promise<Record<string, string>> => {
  await sourceAppWithBuild(c.client, c.name);
  return { app: c.name, number: '1' };
};

/** A git app whose webhook secret the case signs with (kept in c.vars.secret). */
const withWebhook = async (c: Ctx): Promise<Record<string, string>> => {
  await sourceAppWithBuild(c.client, c.name);
  c.vars.secret = ((await get(c, `/apps/${c.name}/webhook`)) as WebhookInfo).secret;
  return { app: c.name };
};

const push = (ref: string): Buffer => Buffer.from(JSON.stringify({ ref, after: 'a'.repeat(40) }));

export const BUILD_CASES: Record<string, RouteCase> = {
  listBuilds: {
    arrange: withBuild,
    status: 200,
    check: (res) => {
      const builds = (res.json as { builds: Build[] }).builds;
      assert.deepEqual(
        builds.map((b) => [b.number, b.status, b.trigger, b.source.type]),
        [[1, 'queued', 'deploy', 'git']],
      );
      assert.ok(!JSON.stringify(builds).includes('ghp_secret-token'), 'never the git token');
    },
  },
  getBuild: {
    arrange: withBuild,
    status: 200,
    check: (res) => assert.deepEqual([(res.json as Build).number, (res.json as Build).commit], [1, null]),
  },
  streamBuildLog: {
    arrange: withBuild,
    query: 'follow=false',
    status: 200,
    check: (res) => {
      const lines = ndjsonLines(res);
      assert.equal(lines.at(-1)?.type, 'end');
    },
  },
  cancelBuild: {
    arrange: withBuild,
    status: 202,
    check: async (res, c) => {
      assert.equal((res.json as Build).number, 1);
      const again = await c.client.send({ method: 'POST', url: `${API}/apps/${c.name}/builds/1/cancel` });
      assert.equal(again.status, 202, 'a queued build may be asked again; the job ends it');
    },
  },
  deployUpload: {
    arrange: named,
    rawOf: () => tarOf({ 'index.html': '<p>hi</p>\n' }),
    headers: { 'content-type': 'application/x-tar' },
    status: 202,
    check: async (res, c) => {
      const d = res.json as Deployment;
      assert.equal(d.build?.number, 1);
      const [build] = ((await get(c, `/apps/${c.name}/builds`)) as { builds: Build[] }).builds;
      assert.equal(build?.source.type, 'archive');
      assert.equal(build?.trigger, 'upload');
    },
  },
  getWebhook: {
    arrange: withBuild,
    status: 200,
    check: (res, c) => {
      const info = res.json as WebhookInfo;
      assert.match(info.github, new RegExp(`/api/v1/webhooks/github/${c.name}$`));
      assert.match(info.secret, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(info.branch, 'main');
    },
  },
  rotateWebhookSecret: {
    arrange: withWebhook,
    status: 200,
    check: (res, c) => assert.notEqual((res.json as WebhookInfo).secret, c.vars.secret),
  },
  githubWebhook: {
    arrange: withWebhook,
    rawOf: () => push('refs/heads/main'),
    headersOf: (c) => ({
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': webhookSignature(c.vars.secret ?? '', push('refs/heads/main')),
    }),
    status: 202,
    check: async (res, c) => {
      assert.equal((res.json as { outcome: string }).outcome, 'deploying');
      const [build] = ((await get(c, `/apps/${c.name}/builds`)) as { builds: Build[] }).builds;
      assert.deepEqual([build?.number, build?.trigger, build?.commit], [2, 'webhook', 'a'.repeat(40)]);
    },
  },
  genericWebhook: {
    arrange: withWebhook,
    rawOf: () => Buffer.from(JSON.stringify({ ref: 'feature' })),
    headersOf: (c) => ({
      'content-type': 'application/json',
      'x-berth-signature-256': webhookSignature(
        c.vars.secret ?? '',
        Buffer.from(JSON.stringify({ ref: 'feature' })),
      ),
    }),
    status: 200,
    check: (res) => assert.equal((res.json as { outcome: string }).outcome, 'ignored'),
  },
  // No agent runs here: the stream says so in its error line.
  bootstrapImages: {
    body: { only: ['static'] },
    status: 200,
    check: (res) => {
      const lines = ndjsonLines(res);
      assert.deepEqual(lines.at(-1)?.type, 'error');
    },
  },
};
