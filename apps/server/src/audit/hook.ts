import type { Store } from '@berth/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { intentOf } from './intent.js';

/**
 * The audit row of a changing request that did not change anything: refused (denied) or gone
 * wrong (failed). Successful changes are logged by their service, inside their transaction;
 * this hook also covers a success a route logged nowhere else, so no change goes unrecorded.
 */
export function registerAuditHook(app: FastifyInstance, deps: { store: Store; clock: () => number }): void {
  app.decorateRequest('audited', false);
  app.addHook('onResponse', async (request, reply) => {
    const action = request.is404 ? null : request.routeOptions.config.audit;
    if (!action || request.audited) return;
    const status = reply.statusCode;
    const outcome =
      status < 400
        ? 'ok'
        : status === 401 || status === 403 || status === 429 || request.denied
          ? 'denied'
          : 'failed';
    const intent = intentOf(request, targetOf(request), { status });
    try {
      await deps.store.transaction((tx) => tx.audit.append({ ...intent, at: deps.clock(), outcome }));
      request.audited = true;
    } catch (err) {
      request.log.error({ err }, 'could not append an audit row');
    }
  });
}

/** The thing a request named: its app, user, team, token or deployment. */
function targetOf(request: FastifyRequest): string | null {
  const params = (request.params ?? {}) as Record<string, unknown>;
  for (const key of ['app', 'user', 'team', 'name', 'id'] as const) {
    const v = params[key];
    if (typeof v === 'string') return `${key}:${v.slice(0, 200)}`;
  }
  const body = request.body as Record<string, unknown> | null | undefined;
  const named = body && typeof body === 'object' ? (body.name ?? body.email) : undefined;
  return typeof named === 'string' ? `name:${named.slice(0, 200)}` : null;
}
