import { AgentToServer, BerthError, isErrorCode, parseJsonOrNull, type AgentReport } from '@berth/protocol';
import type { Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import { recordProxyDrift } from './proxy-drift.js';
import type { AgentSession } from './session.js';

export interface AgentMessagesDeps {
  store: Store;
  log: FastifyBaseLogger;
  clock: () => number;
  sessions: ReadonlyMap<string, AgentSession>;
  /** A report is the gateway's own business: it moves pushes, drains, stages and rollouts. */
  onReport: (session: AgentSession, report: AgentReport) => Promise<void>;
}

/**
 * Handles one message an agent sent, once message-check.ts has let it through: events go to
 * their deployment, RPC answers to the call waiting for them, drift to the server's record.
 */
export function createAgentMessages({ store, log, clock, sessions, onReport }: AgentMessagesDeps) {
  return async (session: AgentSession, raw: string): Promise<void> => {
    const parsed = AgentToServer.safeParse(parseJsonOrNull(raw));
    if (!parsed.success) {
      log.warn({ server: session.serverName }, 'ignored a malformed agent message');
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'report':
        await onReport(session, msg.report);
        return;
      case 'event': {
        const e = msg.event;
        if (await store.deployments.get(e.deploymentId)) {
          await store.events.append(e.deploymentId, {
            at: Date.parse(e.at) || clock(),
            level: e.level,
            // With several servers connected, each server's lines say whose they are.
            message: sessions.size > 1 ? `${session.serverName}: ${e.message}` : e.message,
          });
        }
        return;
      }
      case 'proxy.drift':
        await recordProxyDrift(store, log, clock(), session, msg.drift);
        return;
      case 'rpc.result':
        session.settle(msg.id, { result: msg.result });
        return;
      case 'rpc.error':
        session.settle(msg.id, { error: toBerthError(msg.error) });
        return;
      case 'rpc.chunk':
        session.lines(msg.id, msg.lines);
        return;
      case 'rpc.exec':
        session.execEvent(msg.id, msg.event);
        return;
      case 'rpc.end':
        session.settle(msg.id, { result: null });
        return;
      case 'hello':
        return;
    }
  };
}

function toBerthError(e: { code: string; message: string; logs?: string[] | undefined }): BerthError {
  return new BerthError(isErrorCode(e.code) ? e.code : 'INTERNAL', e.message, { logs: e.logs ?? [] });
}
