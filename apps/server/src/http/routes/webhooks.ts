import { decidePush, type PushEvent } from '@berth/core';
import { verifyWebhookSignature } from '@berth/crypto';
import { AppParams, BerthError, GenericWebhookBody, WebhookInfo, WebhookOutcome } from '@berth/protocol';
import type { AppRow } from '@berth/store';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeApp } from '../../access/authorize.js';
import { intentOf, recordDone, type AuditIntent } from '../../audit/intent.js';
import { openAppValue } from '../../builds/sealed.js';
import { rotateWebhookSecret, webhookSecret } from '../../builds/steps.js';
import { API_PREFIX } from '../paths.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

const GitHubPush = z.object({
  ref: z.string().max(300),
  after: z.string().max(64).optional(),
  deleted: z.boolean().optional(),
});

const WebhookHeaders = z.object({
  'x-hub-signature-256': z.string().max(200).optional(),
  'x-berth-signature-256': z.string().max(200).optional(),
  'x-github-event': z.string().max(100).optional(),
  'x-github-delivery': z.string().max(100).optional(),
});

export const webhookRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    // The signature is over the exact bytes sent: keep them, parse after verifying.
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES },
      (_r, body, next) => next(null, body),
    );

    const publicUrl = (request: FastifyRequest): string =>
      ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;

    app.get(
      '/apps/:app/webhook',
      {
        config: { access: { kind: 'app', permission: 'app:write' } },
        schema: {
          operationId: 'getWebhook',
          tags: ['webhooks'],
          summary: 'The webhook URLs and secret to paste into GitHub (or another git host) so pushes deploy',
          params: AppParams,
          response: { 200: WebhookInfo, ...problemResponses },
        },
      },
      async (request) => {
        const appRow = scopeApp(request);
        const secret = await ctx.store.transaction((tx) =>
          webhookSecret(tx, ctx.keys.box, appRow.id, ctx.clock()),
        );
        return webhookInfo(publicUrl(request), appRow, secret);
      },
    );

    app.post(
      '/apps/:app/webhook/rotate',
      {
        config: { access: { kind: 'app', permission: 'app:write' }, audit: 'webhook.rotate' },
        schema: {
          operationId: 'rotateWebhookSecret',
          tags: ['webhooks'],
          summary: 'A new webhook secret; deliveries signed with the old one are refused from now on',
          params: AppParams,
          response: { 200: WebhookInfo, ...problemResponses },
        },
      },
      async (request) => {
        const appRow = scopeApp(request);
        const secret = await ctx.store.transaction(async (tx) => {
          const s = await rotateWebhookSecret(tx, ctx.keys.box, appRow.id, ctx.clock());
          await recordDone(tx, intentOf(request, `app:${appRow.name}`), ctx.clock());
          return s;
        });
        request.audited = true;
        return webhookInfo(publicUrl(request), appRow, secret);
      },
    );

    /** A delivery: verify the signature over the raw body with the app's secret, then decide. */
    const deliver = async (
      request: FastifyRequest,
      delivery: { app: string; headers: z.infer<typeof WebhookHeaders> },
      kind: 'github' | 'generic',
    ): Promise<WebhookOutcome> => {
      const { headers } = delivery;
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // App names are no secret (each is a host name); an unknown one is 404 like anywhere else.
      const appRow = await ctx.store.apps.getByName(delivery.app);
      if (!appRow) throw new BerthError('APP_NOT_FOUND', `There is no app named "${delivery.app}"`);
      const row = await ctx.store.appSealed.get(appRow.id, 'webhook-secret');
      const secret = row ? openAppValue(ctx.keys.box, row) : null;
      const header = headers['x-hub-signature-256'] ?? headers['x-berth-signature-256'];
      if (!secret || !verifyWebhookSignature(secret, raw, header)) {
        throw new BerthError('WEBHOOK_SIGNATURE_INVALID', 'The webhook signature does not match', {
          hint: 'Sign the raw body with HMAC-SHA256 and the secret from: berth webhooks show APP',
        });
      }
      const push = parsePush(kind, headers['x-github-event'], raw);
      const intent: AuditIntent = {
        ...intentOf(request, `app:${appRow.name}`, { webhook: kind }, appRow.teamId),
        actorKind: 'system',
        actorId: null,
        actorName: `${kind}-webhook`,
      };
      if ('ignored' in push) return ignored(push.ignored);
      const decision = decidePush(appRow.source, push);
      if (!decision.deploy) return ignored(decision.reason);
      const d = await ctx.service.deploy(
        appRow.name,
        {},
        {
          key: deliveryKey(headers['x-github-delivery']),
          requestHash: `webhook:${push.commit ?? push.ref}`,
        },
        { ...intent, detail: { webhook: kind, ref: push.ref, commit: push.commit } },
        { trigger: 'webhook', ...(decision.commit && { commit: decision.commit }) },
      );
      request.audited = true;
      return { outcome: 'deploying', reason: `push to ${push.ref}`, deploymentId: d.id };
    };

    for (const kind of ['github', 'generic'] as const) {
      app.post(
        `/webhooks/${kind}/:app`,
        {
          config: { access: { kind: 'public' }, audit: `webhook.${kind}` },
          schema: {
            operationId: kind === 'github' ? 'githubWebhook' : 'genericWebhook',
            tags: ['webhooks'],
            summary:
              kind === 'github'
                ? 'GitHub push webhook, verified with X-Hub-Signature-256; a push to the tracked branch builds and deploys'
                : 'Webhook for other git hosts: body {"ref","commit"?}, signed like GitHub (X-Berth-Signature-256 or X-Hub-Signature-256)',
            security: [],
            params: AppParams,
            headers: WebhookHeaders,
            body: z.unknown().describe('The push event, application/json'),
            response: { 200: WebhookOutcome, 202: WebhookOutcome, ...problemResponses },
          },
        },
        async (request, reply) => {
          const outcome = await deliver(request, { app: request.params.app, headers: request.headers }, kind);
          return reply.status(outcome.outcome === 'deploying' ? 202 : 200).send(outcome);
        },
      );
    }
    done();
  };

const ignored = (reason: string): WebhookOutcome => ({ outcome: 'ignored', reason, deploymentId: null });

/** GitHub retries a delivery with the same id: the same deployment answers it. */
const deliveryKey = (id: string | undefined): string | null =>
  id && /^[A-Za-z0-9._:-]{1,100}$/.test(id) ? `webhook:${id}` : null;

function parsePush(
  kind: 'github' | 'generic',
  event: string | undefined,
  raw: Buffer,
): PushEvent | { ignored: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new BerthError('BODY_MALFORMED', 'The webhook body is not JSON');
  }
  if (kind === 'github') {
    if (event === 'ping') return { ignored: 'ping' };
    if (event !== 'push') return { ignored: `${event ?? 'an unnamed'} event is not a push` };
    const p = GitHubPush.safeParse(json);
    if (!p.success) throw new BerthError('VALIDATION_FAILED', 'The push event has no ref');
    return { ref: p.data.ref, commit: p.data.after ?? null, deleted: p.data.deleted ?? false };
  }
  const p = GenericWebhookBody.safeParse(json);
  if (!p.success) {
    throw new BerthError('VALIDATION_FAILED', 'The body must be {"ref": "main", "commit": "<sha>"?}', {
      issues: p.error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message })),
    });
  }
  return { ref: p.data.ref, commit: p.data.commit ?? null, deleted: false };
}

function webhookInfo(base: string, app: AppRow, secret: string): WebhookInfo {
  return {
    github: `${base}${API_PREFIX}/webhooks/github/${app.name}`,
    generic: `${base}${API_PREFIX}/webhooks/generic/${app.name}`,
    secret,
    branch: app.source?.ref.kind === 'branch' ? app.source.ref.name : null,
  };
}
