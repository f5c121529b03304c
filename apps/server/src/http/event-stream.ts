import { PassThrough } from 'node:stream';
import type { EventStreamEndReason, EventStreamMessage, LiveNotice } from '@berth/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { INSTALLATION, type EventBus } from '../events/bus.js';
import { goneWith } from './streams.js';

/** A comment this often keeps proxies from closing an idle stream, and checks access again. */
export const HEARTBEAT_MS = 15_000;
/** What EventSource waits before it reconnects on its own (the dashboard backs off itself, too). */
const RETRY_MS = 2_000;
/** Notices are small; a client this far behind is not reading, and is dropped. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface EventStreamOptions {
  team: { id: string; name: string };
  /** The caller owns the installation: it also hears of audit rows of no team (bus.ts, INSTALLATION). */
  installation: boolean;
  /** false: the ready message, then the end of the answer. */
  follow: boolean;
  /** Asked again on every change that may end the caller's access, and at each heartbeat. */
  stillAllowed: () => Promise<'ok' | Exclude<EventStreamEndReason, 'shutdown'>>;
}

/**
 * The open event streams (`GET /events`, text/event-stream): each passes on the bus's notices
 * of its team, as one `data:` message each, until the client goes, its access ends (a logout,
 * a revoked session, token or membership, an expired session: an `end` message says which), or
 * berthd stops (`endAll`).
 */
export class EventStreams {
  private readonly open = new Set<(reason: EventStreamEndReason) => void>();

  constructor(
    private readonly bus: EventBus,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  /** Ends every open stream, telling each client why (berthd is stopping: `shutdown`). */
  endAll(reason: EventStreamEndReason): void {
    for (const end of [...this.open]) end(reason);
  }

  /** Streams open now (for tests). */
  get size(): number {
    return this.open.size;
  }

  serve(request: FastifyRequest, reply: FastifyReply, o: EventStreamOptions): FastifyReply {
    const gone = goneWith(reply);
    const out = new PassThrough();
    void reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-accel-buffering', 'no')
      .send(out);
    const send = (text: string): void => {
      if (gone.signal.aborted || out.writableEnded) return;
      out.write(text);
      if (out.readableLength + out.writableLength <= MAX_BUFFERED_BYTES) return;
      request.log.warn('dropped an event stream whose client stopped reading');
      gone.abort();
      reply.raw.destroy();
    };
    const message = (m: EventStreamMessage): void => send(`data: ${JSON.stringify(m)}\n\n`);
    send(`retry: ${RETRY_MS}\n\n`);
    message({ kind: 'ready', team: o.team.name });
    if (!o.follow) {
      out.end();
      return reply;
    }
    this.follow(request, o, { gone: gone.signal, send, message, out });
    return reply;
  }

  private follow(
    request: FastifyRequest,
    o: EventStreamOptions,
    io: {
      gone: AbortSignal;
      send: (text: string) => void;
      message: (m: EventStreamMessage) => void;
      out: PassThrough;
    },
  ): void {
    let ended = false;
    const end = (reason?: EventStreamEndReason): void => {
      if (ended) return;
      ended = true;
      this.open.delete(end);
      unsubscribe();
      unwatch();
      clearInterval(heartbeat);
      if (reason) io.message({ kind: 'end', reason });
      io.out.end();
    };
    const recheck = createRecheck(o.stillAllowed, (reason) => end(reason), request);
    const pass = (notices: readonly LiveNotice[]): void => {
      for (const notice of notices) io.message(notice);
    };
    const unsubscribeTeam = this.bus.subscribe(o.team.id, pass);
    const unsubscribeInstallation = o.installation ? this.bus.subscribe(INSTALLATION, pass) : () => undefined;
    const unsubscribe = (): void => {
      unsubscribeTeam();
      unsubscribeInstallation();
    };
    const unwatch = this.bus.onAccessMayHaveChanged(recheck);
    const heartbeat = setInterval(() => {
      io.send(': heartbeat\n\n');
      recheck();
    }, this.heartbeatMs);
    this.open.add(end);
    if (io.gone.aborted) end();
    else io.gone.addEventListener('abort', () => end(), { once: true });
  }
}

/**
 * Checks access again, one check at a time: a change during a check runs one more after it,
 * so the last change is always checked, and a burst of changes costs two checks, not one each.
 */
function createRecheck(
  stillAllowed: EventStreamOptions['stillAllowed'],
  end: (reason: Exclude<EventStreamEndReason, 'shutdown'>) => void,
  request: FastifyRequest,
): () => void {
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    running = true;
    try {
      do {
        again = false;
        const verdict = await stillAllowed();
        if (verdict !== 'ok') return end(verdict);
      } while (again);
    } catch (err) {
      // The store could not answer now; the next change or heartbeat asks again.
      request.log.warn({ err }, 'could not check the access of an event stream again');
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void run();
  };
}
