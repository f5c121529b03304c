import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { parseLogGrep, parseLogSince } from '@berth/core';
import {
  BerthError,
  TERMINAL_DEPLOYMENT_STATUSES,
  type DeploymentStreamLine,
  type FieldIssue,
  type LogsParams,
} from '@berth/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mayReadLogs } from '../access/authorize.js';
import { auditExportLines } from '../audit/verify.js';
import type { RouteContext } from './context.js';
import { STREAM_RETRY_AFTER_S } from './stream-guard.js';

/**
 * Long-lived NDJSON responses. The stream ends when the work does, or when the client goes
 * away (then every upstream resource, such as an agent log stream, is released). Each holds a
 * stream slot of its principal (stream-guard.ts) until its response closes.
 */

/**
 * The most a stream may have waiting for a client that does not read: past it the client is
 * dropped, so a stalled reader costs bounded memory and gives its slot back.
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface NdjsonStream {
  out: PassThrough;
  /** Aborted when the client is gone (or was dropped for not reading). */
  gone: AbortSignal;
  /** Queues text for the client; drops the client when too much is already waiting. */
  write: (text: string) => void;
  /** Resolves when the client has read what was queued (or is gone). */
  drained: () => Promise<void>;
}

export function ndjson(
  request: FastifyRequest,
  reply: FastifyReply,
  goneController: AbortController = goneWith(reply),
): NdjsonStream {
  const out = new PassThrough();
  const gone = goneController.signal;
  void reply
    .header('content-type', 'application/x-ndjson; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-accel-buffering', 'no')
    .send(out);
  return {
    out,
    gone,
    write(text) {
      if (gone.aborted) return;
      out.write(text);
      if (out.readableLength + out.writableLength <= MAX_BUFFERED_BYTES) return;
      request.log.warn('dropped a stream whose client stopped reading');
      goneController.abort();
      reply.raw.destroy();
    },
    async drained() {
      if (!out.writableNeedDrain || gone.aborted) return;
      await once(out, 'drain', { signal: gone }).catch(() => undefined);
    },
  };
}

/** Aborts when the response closes: finished, or the connection closed, reset or half-closed. */
export function goneWith(reply: FastifyReply): AbortController {
  const gone = new AbortController();
  reply.raw.once('close', () => gone.abort());
  return gone;
}

/** The longest a follower waits without a wake-up from the feed before it reads anyway. */
const FEED_FALLBACK_MS = 5_000;

export async function streamDeploymentEvents(
  ctx: RouteContext,
  deploymentId: string,
  { follow, after }: { follow: boolean; after: number },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { out, gone, write: send } = ndjson(request, reply);
  const write = (line: DeploymentStreamLine): void => send(`${JSON.stringify(line)}\n`);
  // A follower that lost berthd (a restart) comes back with the last event it saw.
  let seq = after;
  const ended = new AbortController();
  const waits = AbortSignal.any([gone, ended.signal]);
  try {
    while (!gone.aborted) {
      // Listening before reading: a commit between the read and the wait still wakes it.
      const changed = ctx.deploymentFeed.next(deploymentId, waits, FEED_FALLBACK_MS);
      const d = await ctx.store.deployments.get(deploymentId);
      for (const e of await ctx.store.events.list(deploymentId, seq)) {
        seq = e.seq;
        write({
          type: 'event',
          event: { seq: e.seq, at: new Date(e.at).toISOString(), level: e.level, message: e.message },
        });
      }
      const done = !d || TERMINAL_DEPLOYMENT_STATUSES.includes(d.status);
      if (d && (done || !follow)) {
        // Events written in the same transaction as the final status are already flushed above.
        write({ type: 'end', deployment: await ctx.deploymentView(d, mayReadLogs(request)) });
        break;
      }
      if (!d) break;
      await changed;
    }
  } finally {
    ended.abort();
    out.end();
  }
  return reply;
}

/**
 * A logs request's `since` and `grep`, checked before anything streams (a 400 naming the field),
 * with `since` resolved against berthd's clock so every agent filters from the same moment.
 */
export function logFilterOf(
  query: { since?: string | undefined; grep?: string | undefined },
  now: number,
): Pick<LogsParams, 'since' | 'grep'> {
  const issues: FieldIssue[] = [];
  let since: string | undefined;
  if (query.since !== undefined) {
    const parsed = parseLogSince(query.since, now);
    if (parsed.ok) since = new Date(parsed.value).toISOString();
    else issues.push({ path: 'querystring.since', message: parsed.message });
  }
  if (query.grep !== undefined) {
    const parsed = parseLogGrep(query.grep);
    if (!parsed.ok) issues.push({ path: 'querystring.grep', message: parsed.message });
  }
  const [first] = issues;
  if (first) throw new BerthError('VALIDATION_FAILED', `Invalid ${first.path}: ${first.message}`, { issues });
  return { ...(since && { since }), ...(query.grep !== undefined && { grep: query.grep }) };
}

export async function streamLogs(
  ctx: RouteContext,
  params: LogsParams,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  // Checked before the 200 goes out: without an agent the stream could only be empty, and the
  // client would never learn why.
  if (!(await ctx.store.servers.list()).some((s) => ctx.agents.isOnline(s.id))) {
    throw new BerthError('AGENT_UNAVAILABLE', 'No agent is connected, so there are no logs to stream', {
      hint: 'Check that berth up is running; its agent reconnects on its own',
    });
  }
  const gone = goneWith(reply);
  let stream: NdjsonStream | null = null;
  const early: string[] = [];
  let started: () => void = () => undefined;
  const firstChunk = new Promise<void>((resolve) => (started = resolve));
  const rpc = ctx.agents.streamLogs(
    params,
    (lines) => {
      const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
      if (stream) stream.write(text);
      else early.push(text);
      started();
    },
    gone.signal,
  );
  // The agent's first chunk (empty when there is no history) says it streams: until then a
  // refusal (its own cap on engine streams) or a failure is still a problem+json answer.
  try {
    await Promise.race([firstChunk, rpc]);
  } catch (err) {
    if (err instanceof BerthError && err.code === 'RATE_LIMITED')
      void reply.header('retry-after', String(STREAM_RETRY_AFTER_S));
    throw err;
  }
  stream = ndjson(request, reply, gone);
  for (const text of early.splice(0)) stream.write(text);
  try {
    await rpc;
  } catch (err) {
    request.log.warn({ err }, 'log stream ended with an error');
  } finally {
    stream.out.end();
  }
  return reply;
}

/**
 * The audit log to verify elsewhere: the keys that verify its anchors, the signed head and
 * checkpoints, then every row, oldest first, read in pages so a long log never sits in memory.
 */
export async function streamAuditExport(
  ctx: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { out, gone, write, drained } = ndjson(request, reply);
  try {
    for await (const lines of auditExportLines(ctx.store, ctx.anchors)) {
      if (gone.aborted) break;
      // A slow reader slows the export instead of being dropped: it is finite, and read once.
      await drained();
      write(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    }
  } finally {
    out.end();
  }
  return reply;
}
