import { Readable } from 'node:stream';
import {
  AppParams,
  BerthError,
  Build,
  BuildList,
  BuildLogStreamLine,
  BuildLogsQuery,
  BuildParams,
  Deployment,
} from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeApp, mayReadLogs } from '../../access/authorize.js';
import { intentOf, recordDone } from '../../audit/intent.js';
import { createId } from '../../ids.js';
import { idempotencyOf } from '../../deploy/service.js';
import type { RouteContext } from '../context.js';
import { IdempotencyHeaders, ndjsonResponse, problemResponses, streamLimitResponse } from '../schemas.js';
import { streamBuildLog } from '../stream-build-log.js';
import { toBuildView } from '../views.js';

const TAR_TYPES = ['application/x-tar', 'application/tar'];

export const buildRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    // An upload is streamed to disk as it arrives (hashed, size-checked there), never buffered.
    app.addContentTypeParser(TAR_TYPES, (_request, payload, next) => next(null, payload));

    app.get(
      '/apps/:app/builds',
      {
        config: { access: { kind: 'app', permission: 'app:read' } },
        schema: {
          operationId: 'listBuilds',
          tags: ['builds'],
          summary: 'Builds of the app, newest first: source, commit, builder, duration, status',
          params: AppParams,
          response: { 200: BuildList, ...problemResponses },
        },
      },
      async (request) => {
        const appRow = scopeApp(request);
        const rows = await ctx.store.builds.list(appRow.id, 100);
        return { builds: rows.map((b) => toBuildView(b, appRow, mayReadLogs(request))) };
      },
    );

    app.get(
      '/apps/:app/builds/:number',
      {
        config: { access: { kind: 'app', permission: 'app:read' } },
        schema: {
          operationId: 'getBuild',
          tags: ['builds'],
          params: BuildParams,
          response: { 200: Build, ...problemResponses },
        },
      },
      async (request) => {
        const appRow = scopeApp(request);
        return toBuildView(
          await requireBuild(ctx, appRow.id, appRow.name, Number(request.params.number)),
          appRow,
          mayReadLogs(request),
        );
      },
    );

    app.get(
      '/apps/:app/builds/:number/logs',
      {
        config: { access: { kind: 'app', permission: 'app:logs' }, stream: 'build-log' },
        schema: {
          operationId: 'streamBuildLog',
          tags: ['builds'],
          summary:
            'NDJSON: {"type":"line",…} for each log line (live with follow), then one {"type":"end","build":…}',
          params: BuildParams,
          querystring: BuildLogsQuery,
          response: {
            200: ndjsonResponse('Log lines, then one end line with the build', BuildLogStreamLine),
            ...problemResponses,
            ...streamLimitResponse,
          },
        },
      },
      async (request, reply) => {
        const appRow = scopeApp(request);
        const build = await requireBuild(ctx, appRow.id, appRow.name, Number(request.params.number));
        const follow = request.query.follow === 'true' || request.query.follow === '1';
        return streamBuildLog(
          ctx,
          { build, appName: appRow.name, after: request.query.after ?? 0, follow },
          request,
          reply,
        );
      },
    );

    app.post(
      '/apps/:app/builds/:number/cancel',
      {
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'build.cancel' },
        schema: {
          operationId: 'cancelBuild',
          tags: ['builds'],
          summary:
            'Cancel a queued or running build; its deployment fails and the current release keeps serving',
          params: BuildParams,
          response: { 202: Build, ...problemResponses },
        },
      },
      async (request, reply) => {
        const appRow = scopeApp(request);
        const build = await requireBuild(ctx, appRow.id, appRow.name, Number(request.params.number));
        if (build.status !== 'queued' && build.status !== 'running') {
          throw new BerthError(
            'BUILD_NOT_RUNNING',
            `Build #${build.number} of ${appRow.name} has already ${build.status}`,
          );
        }
        const updated = await ctx.store.transaction(async (tx) => {
          const row = await tx.builds.update(build.id, { cancelRequestedAt: ctx.clock() });
          await recordDone(tx, intentOf(request, `app:${appRow.name}`, { build: build.number }), ctx.clock());
          return row;
        });
        request.audited = true;
        ctx.builds.cancel(build.id);
        return reply.status(202).send(toBuildView(updated, appRow, mayReadLogs(request)));
      },
    );

    app.post(
      '/apps/:app/uploads',
      {
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'deploy.upload' },
        bodyLimit: ctx.config.maxUploadBytes,
        schema: {
          operationId: 'deployUpload',
          tags: ['builds'],
          summary:
            'Deploy a directory: the body is a tar of it (application/x-tar); it is built, released and rolled out',
          params: AppParams,
          headers: IdempotencyHeaders,
          consumes: TAR_TYPES,
          body: z.unknown().describe('A tar archive of the source directory'),
          response: { 202: Deployment, ...problemResponses },
        },
      },
      async (request, reply) => {
        // A JSON body (Fastify's own parser) is not a directory.
        if (!(request.body instanceof Readable)) {
          throw new BerthError(
            'UNSUPPORTED_MEDIA_TYPE',
            'The body must be a tar archive (Content-Type: application/x-tar)',
          );
        }
        const appRow = scopeApp(request);
        // Refused by its announced size before a byte of it is stored.
        if (Number(request.headers['content-length'] ?? 0) > ctx.config.maxUploadBytes) {
          throw new BerthError(
            'BODY_TOO_LARGE',
            `The upload is larger than ${ctx.config.maxUploadBytes} bytes`,
            {
              hint: 'Leave build output and dependencies out with .dockerignore or .gitignore',
            },
          );
        }
        const buildId = createId('bld');
        const archive = await ctx.archives.save(buildId, request.body, ctx.config.maxUploadBytes);
        try {
          const idem = idempotencyOf(request.headers, 'upload', archive.sha256);
          const d = await ctx.service.deployArchive(
            appRow.name,
            { buildId, ...archive },
            idem,
            intentOf(request, `app:${appRow.name}`, { bytes: archive.bytes, sha256: archive.sha256 }),
          );
          request.audited = true;
          // A replayed upload keeps the first one's archive; this copy is not needed.
          if (d.buildId !== buildId) await ctx.archives.remove(buildId);
          return reply.status(202).send(await ctx.deploymentView(d, mayReadLogs(request)));
        } catch (err) {
          await ctx.archives.remove(buildId);
          throw err;
        }
      },
    );

    app.get(
      '/agent/archives/:build',
      {
        // The agent's download of an upload: public, the capability token in the query decides.
        config: { access: { kind: 'public' } },
        schema: {
          hide: true,
          params: z.object({ build: z.string().regex(/^bld_[a-z2-7]{20}$/) }).strict(),
          querystring: z.object({ token: z.string().max(200) }).strict(),
        },
      },
      async (request, reply) => {
        const { build } = request.params;
        const found = ctx.archives.verify(build, request.query.token, ctx.clock())
          ? await ctx.archives.open(build)
          : null;
        if (!found) throw new BerthError('BUILD_NOT_FOUND', 'No such archive, or the link has expired');
        return reply
          .header('content-type', 'application/x-tar')
          .header('content-length', String(found.bytes))
          .send(found.stream);
      },
    );
    done();
  };

async function requireBuild(ctx: RouteContext, appId: string, appName: string, number: number) {
  const build = await ctx.store.builds.getByNumber(appId, number);
  if (!build) {
    throw new BerthError('BUILD_NOT_FOUND', `${appName} has no build #${number}`, {
      hint: `List builds with: berth builds ${appName}`,
    });
  }
  return build;
}
