/**
 * Logs requests still unanswered after a while, with the stage they are stuck in. A client that
 * gives up (the CLI after 30 s) leaves no trace in berthd otherwise: this line tells a request
 * berthd has and is waiting on something for (which stage, which route) from one it never got
 * (then nothing is logged, and the connection or the event loop is where to look). Streams and
 * WebSocket sessions are long by design and not watched.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const SLOW_REQUEST_MS = 10_000;
/** The words a slow request's line starts with: test/e2e/support/unresponsive.ts watches for them. */
export const SLOW_REQUEST_MESSAGE = 'berthd request unanswered';

type Stage = 'access check' | 'validation' | 'handler' | 'sending the answer';

interface InFlight {
  at: number;
  stage: Stage;
  said: boolean;
}

export interface SlowRequestLog {
  warn(obj: object, msg: string): void;
}

export function watchSlowRequests(
  app: FastifyInstance,
  log: SlowRequestLog,
  clock: () => number = Date.now,
  slowAfterMs = SLOW_REQUEST_MS,
): void {
  const inFlight = new Map<FastifyRequest, InFlight>();
  let timer: NodeJS.Timeout | null = null;
  // The route's pattern, not its URL: a webhook's URL carries its secret.
  const what = (r: FastifyRequest): string => `${r.method} ${r.routeOptions.url ?? '(no route)'}`;
  const check = (): void => {
    const now = clock();
    for (const [request, entry] of inFlight) {
      if (entry.said || now - entry.at < slowAfterMs) continue;
      entry.said = true;
      log.warn(
        { reqId: request.id, route: what(request), stage: entry.stage, ms: now - entry.at },
        `${SLOW_REQUEST_MESSAGE} for ${Math.round((now - entry.at) / 1000)} s: ${what(request)}, in its ${entry.stage}`,
      );
    }
  };
  const end = (request: FastifyRequest): void => {
    const entry = inFlight.get(request);
    if (!entry) return;
    inFlight.delete(request);
    if (entry.said)
      log.warn(
        { reqId: request.id, route: what(request), ms: clock() - entry.at },
        `${SLOW_REQUEST_MESSAGE} ended after ${((clock() - entry.at) / 1000).toFixed(1)} s: ${what(request)}`,
      );
    if (inFlight.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
  const stage = (request: FastifyRequest, next: Stage): void => {
    const entry = inFlight.get(request);
    if (entry) entry.stage = next;
  };

  app.addHook('onRequest', (request, reply, done) => {
    if (!request.routeOptions.config.stream && !request.headers.upgrade) {
      inFlight.set(request, { at: clock(), stage: 'access check', said: false });
      if (!timer) {
        timer = setInterval(check, Math.max(1, Math.floor(slowAfterMs / 4)));
        timer.unref();
      }
      // A client that gives up closes the connection: the request is over for the watch, too.
      reply.raw.once('close', () => end(request));
    }
    done();
  });
  app.addHook('preValidation', (request, _reply, done) => {
    stage(request, 'validation');
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    stage(request, 'handler');
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    stage(request, 'sending the answer');
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    end(request);
    done();
  });
}
