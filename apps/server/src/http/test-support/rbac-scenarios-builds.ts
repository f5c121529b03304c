import assert from 'node:assert/strict';
import { webhookSignature } from '@berth/crypto';
import { tarOf } from './fixtures.js';
import { send } from './rbac-calls.js';
import type { Call, Scenario } from './rbac-scenarios.js';

/** The RBAC matrix's calls on builds from source, uploads, webhooks and the builds' base images (see rbac-scenarios.ts). */

/** A call on A's or B's app built from git (build #1 exists in both). */
const srcCall = (extra: Omit<Call, 'params'> = {}, number = true): Scenario => {
  const params = (app: string): Record<string, string> => ({ app, ...(number && { number: '1' }) });
  return {
    own: (w) => ({ params: params(w.srcA), ...extra }),
    other: (w) => ({
      call: { params: params(w.srcB), ...extra },
      ghost: { params: params('ghost-app'), ...extra },
      swap: [w.srcB, 'ghost-app'],
    }),
  };
};

export const BUILD_SCENARIOS: Record<string, Scenario> = {
  listBuilds: srcCall({}, false),
  getBuild: srcCall(),
  streamBuildLog: srcCall({ query: 'follow=false' }),
  cancelBuild: srcCall(),
  deployUpload: srcCall(
    { raw: tarOf({ 'index.html': 'hi\n' }), headers: { 'content-type': 'application/x-tar' } },
    false,
  ),
  getWebhook: srcCall({}, false),
  rotateWebhookSecret: srcCall({}, false),
  githubWebhook: webhookCall('github', { 'x-github-event': 'ping' }),
  genericWebhook: webhookCall('generic', {}),
  bootstrapImages: { own: () => ({ body: { only: ['static'] } }) },
};

/** A delivery to A's source app, signed with its current secret (read as A's owner). */
function webhookCall(kind: 'github' | 'generic', headers: Record<string, string>): Scenario {
  return {
    async own(w) {
      const info = await send(w, 'GET', `/apps/${w.srcA}/webhook`);
      assert.equal(info.status, 200, info.text);
      const raw = Buffer.from(JSON.stringify({ ref: 'refs/heads/elsewhere' }));
      return {
        params: { app: w.srcA },
        raw,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': webhookSignature((info.json as { secret: string }).secret, raw),
          ...headers,
        },
        token: null,
      };
    },
  };
}
