import type { Store } from '@berth/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { intentOf } from './intent.js';

/**
 * The audit row of a changing request that did not change anything: refused (denied) or gone
 * wrong (failed). Successful changes are logged by their service, inside their transaction;
 * this hook also covers a success a route logged nowhere else, so no change goes unrecorded.
 * Streams (logs, build logs, events) are reads, but opening one is an attempt like any other:
 * one the access check refuses gets its `stream.open` row here, as a refusal by the stream cap
 * gets one from the stream guard.
 */
export function registerAuditHook(app: FastifyInstance, deps: { store: Store; clock: () => number }): void {
  app.decorateRequest('audited', false);
  app.addHook('onResponse', async (request, reply) => record(request, reply.statusCode, deps));
  // A refused WebSocket upgrade (`berth exec`) is answered on the raw socket, which never
  // reports the response finished: its row is written as the answer goes out.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.ws) await record(request, reply.statusCode, deps);
    return payload;
  });
}

async function record(
  request: FastifyRequest,
  status: number,
  deps: { store: Store; clock: () => number },
): Promise<void> {
  const action = request.is404 ? null : auditedAction(request);
  if (!action || request.audited) return;
  const outcome =
    status < 400
      ? 'ok'
      : status === 401 || status === 403 || status === 429 || request.denied
        ? 'denied'
        : 'failed';
  const stream = request.routeOptions.config.stream;
  const intent = {
    ...intentOf(request, targetOf(request), stream ? { stream, status } : { status }),
    action,
  };
  try {
    await deps.store.transaction((tx) => tx.audit.append({ ...intent, at: deps.clock(), outcome }));
    request.audited = true;
  } catch (err) {
    request.log.error({ err }, 'could not append an audit row');
  }
}

/** The route's action; for a stream the access check refused, `stream.open`. */
function auditedAction(request: FastifyRequest): string | null {
  const config = request.routeOptions.config;
  if (config.audit) return config.audit;
  return config.stream && request.denied ? 'stream.open' : null;
}

/** What kind of thing an action is about: `token.revoke` → token, `deploy` → app. */
const KIND_OF: Record<string, string> = {
  login: 'user',
  logout: 'user',
  password: 'user',
  deploy: 'app',
  rollback: 'app',
  restart: 'app',
  scale: 'app',
  env: 'app',
  secret: 'app',
  // A server's edge (`berth proxy rollback NAME`).
  proxy: 'server',
  // The one stream named by an id is a deployment's events.
  stream: 'deployment',
};

/**
 * The thing a refused or failed request named, spelled as a successful one spells it
 * (`app:web`, `user:ada@example.com`, `token:ci`), so one filter finds both.
 */
function targetOf(request: FastifyRequest): string | null {
  const action = auditedAction(request) ?? '';
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
