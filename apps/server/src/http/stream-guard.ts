import { BerthError } from '@berth/protocol';
import type { Store } from '@berth/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf } from '../audit/intent.js';
import type { Principal } from '../access/policy.js';
import type { SlotRefusal, StreamSlots } from './stream-slots.js';

/** The long-lived responses of the API; each holds one of its principal's stream slots while open. */
export type StreamKind =
  | 'logs'
  | 'build-log'
  | 'deployment-events'
  | 'audit-export'
  | 'exec'
  | 'run'
  /** A dashboard tab's event stream (`GET /events`). */
  | 'events';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks a long-lived response: it needs a stream slot, held until the response closes. */
    stream?: StreamKind;
  }
  interface FastifyRequest {
    /**
     * Gives the request's stream slot back (safe to call twice). A WebSocket session (exec)
     * calls it when its socket closes: its hijacked response never reports closing.
     */
    releaseStreamSlot: (() => void) | null;
  }
}

/** What a refused client is told to wait: a slot frees when any of its streams ends. */
export const STREAM_RETRY_AFTER_S = 5;
/**
 * TCP keep-alive on stream connections: an idle follow to a client that vanished without a FIN
 * is probed after this long, so its slot does not stay taken for the kernel's default 2 hours.
 */
const KEEPALIVE_IDLE_MS = 10_000;
/** Refusals of one principal within this window share one audit row (see RefusalAudit). */
const AUDIT_WINDOW_MS = 60_000;

export interface StreamGuardDeps {
  slots: StreamSlots;
  store: Store;
  clock: () => number;
}

/**
 * Caps the streams a principal (and everyone together) holds open. Runs after the access check,
 * so a principal learns of the cap only for streams it may open. The slot goes back when the
 * response closes, which Node reports at once for a client that closes, resets or half-closes.
 */
export function registerStreamGuard(app: FastifyInstance, deps: StreamGuardDeps): void {
  const audit = new RefusalAudit(deps);
  app.addHook('onClose', async () => audit.flushAll());
  app.decorateRequest('releaseStreamSlot', null);
  app.addHook('preHandler', async (request, reply) => {
    const kind = request.is404 ? undefined : request.routeOptions.config.stream;
    const principal = request.principal;
    if (!kind || !principal) return;
    const key = principalKey(principal);
    const slot = deps.slots.tryAcquire(key);
    if (!slot.granted) {
      audit.refused(key, request, kind, slot);
      // Its row is the guard's (counted per minute), not one more per attempt from the audit hook.
      request.audited = true;
      void reply.header('retry-after', String(STREAM_RETRY_AFTER_S));
      throw refusal(slot);
    }
    reply.raw.once('close', slot.release);
    request.releaseStreamSlot = slot.release;
    const socket = request.raw.socket as { setKeepAlive?: (on: boolean, ms: number) => void } | null;
    socket?.setKeepAlive?.(true, KEEPALIVE_IDLE_MS);
  });
}

const principalKey = (p: Principal): string => `${p.kind}:${p.id}`;

function refusal(r: SlotRefusal): BerthError {
  if (r.scope === 'principal') {
    return new BerthError(
      'RATE_LIMITED',
      `You have ${r.open} streams open (log follows, build logs, deployment events, exec sessions, dashboard tabs); the limit is ${r.limit} per user or token`,
      {
        hint: `End one (e.g. a \`berth logs --follow\`) and retry in ${STREAM_RETRY_AFTER_S} s; the installation's operator can raise BERTHD_MAX_STREAMS_PER_PRINCIPAL`,
      },
    );
  }
  return new BerthError(
    'RATE_LIMITED',
    `berthd has ${r.open} streams open, its limit for all users together (${r.limit}); try again shortly`,
    { hint: `Retry in ${STREAM_RETRY_AFTER_S} s; the installation's operator can raise BERTHD_MAX_STREAMS` },
  );
}

interface AuditWindow {
  refusedSinceRow: number;
  last: { request: FastifyRequest; kind: StreamKind; refusal: SlotRefusal };
}

/**
 * Refused stream attempts are audited, but one row per attempt would let the flood it refuses
 * write thousands of hash-chained, fsynced rows. So the first refusal of a principal is
 * written at once, and the refusals of the next minute are counted into one row at its end:
 * at most two rows a minute per principal, and the count of every refused attempt is kept.
 */
class RefusalAudit {
  private readonly windows = new Map<string, AuditWindow>();

  constructor(private readonly deps: StreamGuardDeps) {}

  refused(key: string, request: FastifyRequest, kind: StreamKind, refusal: SlotRefusal): void {
    const open = this.windows.get(key);
    if (open) {
      open.refusedSinceRow++;
      open.last = { request, kind, refusal };
      return;
    }
    void this.append({ request, kind, refusal }, 1);
    this.windows.set(key, { refusedSinceRow: 0, last: { request, kind, refusal } });
    setTimeout(() => void this.flush(key), AUDIT_WINDOW_MS).unref();
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.windows.keys()].map((key) => this.flush(key)));
  }

  private async flush(key: string): Promise<void> {
    const w = this.windows.get(key);
    this.windows.delete(key);
    if (w && w.refusedSinceRow > 0) await this.append(w.last, w.refusedSinceRow);
  }

  private async append({ request, kind, refusal }: AuditWindow['last'], refused: number): Promise<void> {
    const scope = request.scope;
    const target = scope?.app
      ? `app:${scope.app.name}`
      : scope?.deployment
        ? `deployment:${scope.deployment.id}`
        : null;
    try {
      await this.deps.store.transaction((tx) =>
        tx.audit.append({
          ...actorOf(request.principal),
          requestId: request.id,
          action: 'stream.open',
          target,
          teamId: scope?.team?.id ?? null,
          detail: { stream: kind, refused, scope: refusal.scope, open: refusal.open, limit: refusal.limit },
          at: this.deps.clock(),
          outcome: 'denied',
        }),
      );
    } catch (err) {
      request.log.error({ err }, 'could not append an audit row');
    }
  }
}
