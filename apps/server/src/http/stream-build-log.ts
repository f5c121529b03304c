import { TERMINAL_BUILD_STATUSES, type BuildLogStreamLine } from '@berth/protocol';
import type { BuildRow } from '@berth/store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteContext } from './context.js';
import { ndjson } from './streams.js';
import { toBuildView } from './views.js';

/** The longest a follower waits without a wake-up from the feed before it reads anyway. */
const FEED_FALLBACK_MS = 5_000;
const PAGE = 1000;

/**
 * A build's log as NDJSON, read from the database: a follower sees what the build runner wrote,
 * and a reconnecting client resumes with `after`. A follower sleeps until the store commits lines
 * or a status of the build (ctx.buildFeed), instead of reading the database on a timer.
 */
export async function streamBuildLog(
  ctx: RouteContext,
  o: { build: BuildRow; appName: string; after: number; follow: boolean },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { out, gone, write: send, drained } = ndjson(request, reply);
  const write = (line: BuildLogStreamLine): void => send(`${JSON.stringify(line)}\n`);
  let seq = o.after;
  const ended = new AbortController();
  const waits = AbortSignal.any([gone, ended.signal]);
  try {
    while (!gone.aborted) {
      // Listening before reading: a commit between the read and the wait still wakes it.
      const changed = ctx.buildFeed.next(o.build.id, waits, FEED_FALLBACK_MS);
      // Read the status first: lines written before a final status are then all read below.
      const build = (await ctx.store.builds.get(o.build.id)) ?? o.build;
      let page;
      do {
        page = await ctx.store.builds.logs(build.id, seq, PAGE);
        for (const l of page) {
          seq = l.seq;
          write({ type: 'line', line: { seq: l.seq, at: new Date(l.at).toISOString(), line: l.line } });
        }
        // Catching up on a long log goes at the client's pace, not into berthd's memory.
        await drained();
      } while (page.length === PAGE && !gone.aborted);
      if (!o.follow || TERMINAL_BUILD_STATUSES.includes(build.status)) {
        write({ type: 'end', build: toBuildView(build, { name: o.appName }, { logs: true }) });
        break;
      }
      await changed;
    }
  } finally {
    ended.abort();
    out.end();
  }
  return reply;
}
