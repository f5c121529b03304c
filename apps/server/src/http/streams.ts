import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BerthError,
  TERMINAL_DEPLOYMENT_STATUSES,
  type DeploymentStreamLine,
  type LogLine,
} from '@berth/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteContext } from './context.js';

/**
 * Long-lived NDJSON responses. The stream ends when the work does, or when the client goes
 * away (then every upstream resource, such as an agent log stream, is released).
 */

export function ndjson(
  request: FastifyRequest,
  reply: FastifyReply,
): { out: PassThrough; gone: AbortSignal } {
  const out = new PassThrough();
  const gone = new AbortController();
  request.raw.on('close', () => gone.abort());
  void reply
    .header('content-type', 'application/x-ndjson; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-accel-buffering', 'no')
    .send(out);
  return { out, gone: gone.signal };
}

const POLL_MS = 150;

export async function streamDeploymentEvents(
  ctx: RouteContext,
  deploymentId: string,
  follow: boolean,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { out, gone } = ndjson(request, reply);
  const write = (line: DeploymentStreamLine): boolean => out.write(`${JSON.stringify(line)}\n`);
  let seq = 0;
  try {
    while (!gone.aborted) {
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
        write({ type: 'end', deployment: await ctx.deploymentView(d) });
        break;
      }
      if (!d) break;
      await sleep(POLL_MS, undefined, { signal: gone }).catch(() => undefined);
    }
  } finally {
    out.end();
  }
  return reply;
}

export async function streamLogs(
  ctx: RouteContext,
  params: { appId: string; tail: number; follow: boolean },
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
  const { out, gone } = ndjson(request, reply);
  const write = (lines: LogLine[]): void => {
    out.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  };
  try {
    await ctx.agents.streamLogs(params, write, gone);
  } catch (err) {
    request.log.warn({ err }, 'log stream ended with an error');
  } finally {
    out.end();
  }
  return reply;
}

/** Every audit row, oldest first, read in pages so a long log never sits in memory at once. */
export async function streamAuditExport(
  ctx: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { out, gone } = ndjson(request, reply);
  try {
    let after = 0;
    while (!gone.aborted) {
      const rows = await ctx.store.audit.list({ afterSeq: after, limit: 1000 });
      if (rows.length === 0) break;
      out.write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      after = rows[rows.length - 1]?.seq ?? after;
    }
  } finally {
    out.end();
  }
  return reply;
}
