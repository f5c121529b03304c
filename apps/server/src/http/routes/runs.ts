import {
  AppParams,
  BerthError,
  DEFAULT_RUN_TIMEOUT_S,
  RunCreate,
  RunStreamLine,
  type LogLine,
} from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { scopeApp } from '../../access/authorize.js';
import { intentOf } from '../../audit/intent.js';
import { createId } from '../../ids.js';
import type { RouteContext } from '../context.js';
import { ndjsonResponse, problemResponse, problemResponses, streamLimitResponse } from '../schemas.js';
import { goneWith, ndjson, type NdjsonStream } from '../streams.js';

/**
 * `berth run APP -- CMD…`: a one-off container of the app's current release, its output
 * streamed as NDJSON (RunStreamLine) as it comes, then its exit. The container is killed at the
 * timeout and when the client goes away, and removed either way. One `app.run` audit row per
 * run, written when it starts: the argv (never its output) and the server.
 */
export const runRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.post(
      '/apps/:app/run',
      {
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'app.run', stream: 'run' },
        schema: {
          operationId: 'runApp',
          tags: ['runtime'],
          summary:
            "Run a command (argv, no shell) in a new container of the app's current release; NDJSON of its output, then its exit code",
          params: AppParams,
          body: RunCreate,
          response: {
            200: ndjsonResponse(
              'started, then output lines as they come, then exit (or error)',
              RunStreamLine,
            ),
            ...problemResponses,
            ...streamLimitResponse,
            503: problemResponse('AGENT_UNAVAILABLE: no server that runs the app is connected'),
          },
        },
      },
      async (request, reply) => {
        const row = scopeApp(request);
        const timeoutSeconds = request.body.timeoutSeconds ?? DEFAULT_RUN_TIMEOUT_S;
        const runId = createId('run');
        const gone = goneWith(reply);
        let stream: NdjsonStream | null = null;
        const say = (line: RunStreamLine): void => stream?.write(`${JSON.stringify(line)}\n`);
        const began = ctx.clock();
        let audited: Promise<void> = Promise.resolve();
        const run = ctx.agents.runOneOff(
          row,
          { runId, cmd: request.body.cmd, timeoutMs: timeoutSeconds * 1000 },
          (start) => {
            // From here on the answer is a 200 stream: what goes wrong is said in its last line.
            stream = ndjson(request, reply, gone);
            audited = audit(ctx, request, row.name, {
              cmd: JSON.stringify(request.body.cmd),
              timeoutSeconds,
              server: start.server,
              release: start.release,
              run: runId,
            });
            say({ type: 'started', ...start });
          },
          (lines: LogLine[]) => {
            for (const line of lines) say({ type: 'line', line });
          },
          gone.signal,
        );
        try {
          const result = await run;
          if (result) say({ type: 'exit', ...result, durationMs: ctx.clock() - began });
        } catch (err) {
          // Refused before it started (no release, no agent): a problem+json like any request.
          if (!stream) throw err;
          const e = err instanceof BerthError ? err : new BerthError('INTERNAL', String(err));
          if (!(err instanceof BerthError)) request.log.error({ err }, 'one-off run failed');
          say({ type: 'error', code: e.code, message: e.message });
        } finally {
          await audited;
          (stream as NdjsonStream | null)?.out.end();
        }
        return reply;
      },
    );
    done();
  };

async function audit(
  ctx: RouteContext,
  request: Parameters<typeof intentOf>[0],
  app: string,
  detail: Record<string, string | number>,
): Promise<void> {
  request.audited = true;
  const intent = intentOf(request, `app:${app}`, detail);
  try {
    await ctx.store.transaction((tx) => tx.audit.append({ ...intent, at: ctx.clock(), outcome: 'ok' }));
  } catch (err) {
    request.log.error({ err }, 'could not append an audit row');
  }
}
