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

/** What kind of thing an action is about: `token.revoke` → token, `deploy` → app. */
const KIND_OF: Record<string, string> = {
  login: 'user',
  logout: 'user',
  password: 'user',
  deploy: 'app',
  rollback: 'app',
  scale: 'app',
  env: 'app',
  secret: 'app',
};

/**
 * The thing a refused or failed request named, spelled as a successful one spells it
 * (`app:web`, `user:ada@example.com`, `token:ci`), so one filter finds both.
 */
function targetOf(request: FastifyRequest): string | null {
  const action = request.routeOptions.config.audit ?? '';
  const head = action.split('.')[0] ?? '';
  const kind = KIND_OF[head] ?? head;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const body =
    request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
  const named: [string, unknown][] = [
    ['app', params.app],
    ['user', params.user],
    [kind, params.name],
    [kind, params.id],
    ['team', params.team],
    ['user', body.email],
    [kind, body.name],
  ];
  for (const [k, v] of named) if (typeof v === 'string') return `${k}:${v.slice(0, 200)}`;
  return null;
}
