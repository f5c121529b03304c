import {
  AppParams,
  AuditExportLine,
  AuditList,
  AuditQuery,
  AuditVerification,
  KeyList,
  KeyParams,
  KeyRotated,
  SecretChange,
  SecretList,
  SecretsPatch,
} from '@berth/protocol';
import { requestDigest } from '@berth/crypto';
import type { SecretRow } from '@berth/store';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeApp, scopeOf, mayReadLogs } from '../../access/authorize.js';
import { isInstallationOwner, teamsWith } from '../../access/policy.js';
import { intentOf } from '../../audit/intent.js';
import { verifyAudit } from '../../audit/verify.js';
import type { RouteContext } from '../context.js';
import { IdempotencyHeaders, ndjsonResponse, problemResponses, streamLimitResponse } from '../schemas.js';
import { streamAuditExport } from '../streams.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const toSecretInfo = (s: SecretRow) => ({ key: s.key, file: s.filePath, updatedAt: iso(s.updatedAt) });

/** App secrets (names only, ever), the master keys, and the audit log. */
export const secretAndAuditRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/apps/:app/secrets',
      {
        config: { access: { kind: 'app', permission: 'app:read' } },
        schema: {
          operationId: 'listSecrets',
          tags: ['secrets'],
          params: AppParams,
          response: { 200: SecretList, ...problemResponses },
        },
      },
      async (request) => {
        const row = scopeApp(request);
        const secrets = await ctx.secrets.list(row);
        return { app: row.name, secrets: secrets.map(toSecretInfo) };
      },
    );

    app.patch(
      '/apps/:app/secrets',
      {
        config: { access: { kind: 'app', permission: 'secret:write' }, audit: 'secret.change' },
        schema: {
          operationId: 'patchSecrets',
          tags: ['secrets'],
          summary:
            'Set and unset secrets (encrypted at once, never returned); a deployed app gets a new release',
          params: AppParams,
          headers: IdempotencyHeaders,
          body: SecretsPatch,
          response: { 200: SecretChange, ...problemResponses },
        },
      },
      async (request) => {
        // The audit row names the keys, never the values; the idempotency check keeps only a keyed
        // digest of the request, so no hash of a secret that could be guessed offline is stored.
        const keys = [...Object.keys(request.body.set ?? {}), ...(request.body.unset ?? [])].join(',');
        const files = Object.entries(request.body.files ?? {})
          .map(([k, path]) => `${k}=${path}`)
          .join(',');
        const idem = {
          key: request.headers['idempotency-key'] ?? null,
          requestHash: requestDigest(ctx.keys.keyring, JSON.stringify(['secrets', request.body])),
        };
        const { app: row, deployment } = await ctx.secrets.patch(
          request.params.app,
          request.body,
          idem,
          intentOf(request, `app:${request.params.app}`, { keys, ...(files && { files }) }),
        );
        request.audited = true;
        const secrets = (await ctx.secrets.list(row)).map(toSecretInfo);
        return {
          secrets,
          deployment: deployment ? await ctx.deploymentView(deployment, mayReadLogs(request)) : null,
        };
      },
    );

    app.get(
      '/keys',
      {
        config: { access: { kind: 'installation' } },
        schema: { operationId: 'listKeys', tags: ['keys'], response: { 200: KeyList, ...problemResponses } },
      },
      async () => ({
        keys: (await ctx.secrets.listKeys()).map((k) => ({ ...k, createdAt: null })),
        fromEnvironment: ctx.keys.keyring.source === 'env',
      }),
    );

    app.post(
      '/keys/rotate',
      {
        config: { access: { kind: 'installation' }, audit: 'key.rotate' },
        schema: {
          operationId: 'rotateKeys',
          tags: ['keys'],
          summary: 'A new current master key; every secret re-encrypted under it',
          response: { 200: KeyRotated, ...problemResponses },
        },
      },
      async (request) => {
        const result = await ctx.secrets.rotate(intentOf(request, null));
        request.audited = true;
        // The audit anchors follow the keys: signed again under the new one, so the old one can retire.
        await ctx.anchors.resign();
        return result;
      },
    );

    app.delete(
      '/keys/:id',
      {
        config: { access: { kind: 'installation' }, audit: 'key.retire' },
        schema: {
          operationId: 'retireKey',
          tags: ['keys'],
          params: KeyParams,
          response: { 204: z.null().describe('Retired: removed from the key file'), ...problemResponses },
        },
      },
      async (request, reply) => {
        await ctx.secrets.retire(request.params.id, intentOf(request, `key:${request.params.id}`));
        request.audited = true;
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/audit',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listAudit',
          tags: ['audit'],
          summary:
            "Audit rows (an installation owner: all; a team's owners and admins: their teams'), filtered by actor, action, target, outcome and time",
          querystring: AuditQuery,
          response: { 200: AuditList, ...problemResponses },
        },
      },
      async (request) => {
        const { principal } = scopeOf(request);
        // Owners of the default team see every row; team owners and admins see their teams' rows.
        const all = isInstallationOwner(principal, ctx.defaults.teamId);
        const { after, before, limit, order, since, until, ...exact } = request.query;
        const rows = await ctx.store.audit.list({
          afterSeq: after ?? 0,
          beforeSeq: before,
          limit: limit ?? 100,
          newestFirst: order === 'desc',
          ...(all ? {} : { teamIds: teamsWith(principal, 'audit:read') }),
          // The filter narrows what the caller may read anyway: the teams above come first.
          filter: {
            ...exact,
            since: since === undefined ? undefined : Date.parse(since),
            until: until === undefined ? undefined : Date.parse(until),
          },
        });
        return { rows };
      },
    );

    app.get(
      '/audit/export',
      {
        config: { access: { kind: 'installation' }, stream: 'audit-export' },
        schema: {
          operationId: 'exportAudit',
          tags: ['audit'],
          summary:
            'NDJSON stream to verify the log elsewhere: the public keys, the signed head and checkpoints, then every row with its hashes, oldest first',
          response: {
            200: ndjsonResponse('A key, an anchor or a row per line', AuditExportLine),
            ...problemResponses,
            ...streamLimitResponse,
          },
        },
      },
      async (request, reply) => streamAuditExport(ctx, request, reply),
    );

    app.get(
      '/audit/verify',
      {
        config: { access: { kind: 'installation' } },
        schema: {
          operationId: 'verifyAudit',
          tags: ['audit'],
          summary:
            'Recompute the chain and compare it with the signed head kept beside the master key and the signed checkpoints: an edited, deleted (also at the end) or reordered row is named',
          response: { 200: AuditVerification, ...problemResponses },
        },
      },
      async () => verifyAudit(ctx.store, ctx.anchors),
    );
    done();
  };
