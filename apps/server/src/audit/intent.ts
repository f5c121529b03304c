import type { AuditActorKind } from '@berth/core';
import type { Repos } from '@berth/store';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../access/policy.js';

/**
 * What a request is about to change, for the audit log. A service appends it inside the same
 * transaction as the change it describes, so a change is never without its row; a request that
 * ends before changing anything (refused, invalid, failed) gets its row from the audit hook.
 */
export interface AuditIntent {
  actorKind: AuditActorKind;
  actorId: string | null;
  actorName: string | null;
  requestId: string | null;
  action: string;
  target: string | null;
  teamId: string | null;
  detail: Record<string, string | number | boolean | null>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The audit action of a changing route, e.g. `app.create`; reads are not audited. */
    audit?: string;
  }
  interface FastifyRequest {
    /** Set once a row for this request is in the log. */
    audited: boolean;
  }
}

export function actorOf(p: Principal | null): Pick<AuditIntent, 'actorKind' | 'actorId' | 'actorName'> {
  if (!p) return { actorKind: 'anonymous', actorId: null, actorName: null };
  return { actorKind: p.kind, actorId: p.id, actorName: p.name };
}

/** The intent of this request: its route's action, its principal, its team, the given target. */
export function intentOf(
  request: FastifyRequest,
  target: string | null,
  detail: AuditIntent['detail'] = {},
  teamId: string | null = request.scope?.team?.id ?? null,
): AuditIntent {
  return {
    ...actorOf(request.principal),
    requestId: request.id,
    action: request.routeOptions.config.audit ?? 'unknown',
    target,
    teamId,
    detail,
  };
}

/** Appends the intent as done; call inside the transaction that made the change. */
export async function recordDone(tx: Repos, intent: AuditIntent, at: number): Promise<void> {
  await tx.audit.append({ ...intent, at, outcome: 'ok' });
}
