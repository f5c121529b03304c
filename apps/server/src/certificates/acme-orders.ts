import { renewAt } from '@berth/core';
import { BerthError } from '@berth/protocol';
import type { Repos, Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import { createId } from '../ids.js';
import type { KeyHolder } from '../secrets/keys.js';
import { orderFailure, type AcmeClient } from './acme-client.js';
import { certificateKeyAad } from './sealing.js';

/**
 * berthd as the fleet's ACME client: one order per domain for every edge (the certificate goes to
 * every agent with the desired state). Each order is a durable job (`certificate-order`), queued
 * when a domain is added and again at two thirds of the certificate's lifetime; a failure is
 * recorded on the domain (status, the CA's own words) and in the audit log, the old certificate
 * keeps being served, and the job comes back after a jittered backoff, never in a loop.
 */

export const ORDER_JOB = 'certificate-order';

export interface OrderPayload {
  appId: string;
  name: string;
  /** Failures in a row before this attempt. */
  failures?: number;
}

export interface AcmeOrderDeps {
  store: Store;
  clock: () => number;
  keys: KeyHolder;
  log: FastifyBaseLogger;
  acme: AcmeClient;
  /** Pushes the desired state to every agent (the new certificate with it). */
  publishToEdges: () => Promise<void>;
}

/** Queues the order of a domain's certificate, in the transaction that adds the domain. */
export async function queueOrder(tx: Repos, payload: OrderPayload, now: number, runAt = now): Promise<void> {
  await tx.jobs.enqueue(
    {
      id: createId('job'),
      kind: ORDER_JOB,
      payload,
      concurrencyKey: `certificate:${payload.name}`,
      // The job handles its own failures (backoff on the domain): the worker never retries it.
      maxAttempts: 1,
      runAt,
    },
    now,
  );
}

const isPayload = (p: unknown): p is OrderPayload =>
  typeof p === 'object' &&
  p !== null &&
  typeof (p as OrderPayload).appId === 'string' &&
  typeof (p as OrderPayload).name === 'string';

export function createAcmeOrders(deps: AcmeOrderDeps) {
  const { store, clock, keys, log, acme } = deps;
  const audit = (tx: Repos, teamId: string, app: string, action: string, detail: Record<string, string>) =>
    acme.audit(tx, { teamId, target: `app:${app}`, action, detail });

  return {
    async run(payload: unknown): Promise<void> {
      if (!isPayload(payload)) throw new BerthError('INTERNAL', 'a certificate order without a domain');
      const domain = await store.domains.getByName(payload.name);
      const app = domain ? await store.apps.getById(domain.appId) : null;
      // The domain went away (or moved) since the order was queued: nothing to do.
      if (!domain || !app || domain.appId !== payload.appId || domain.kind !== 'primary') return;
      const names = [
        domain.name,
        ...(await store.domains.listByApp(app.id))
          .filter((d) => d.kind === 'redirect' && d.redirectTo === domain.name)
          .map((d) => d.name),
      ];
      const renewing = domain.expiresAt !== null;
      for (const n of names)
        await store.domains.setStatus(n, { status: renewing ? 'renewing' : 'pending' }, clock());
      const started = clock();
      try {
        const { issued, edgesMs } = await acme.order(names);
        const id = createId('crt');
        const stored = await store.transaction(async (tx) => {
          const now = clock();
          // Removed (or given to another app) while the CA was at work: the certificate is not kept.
          if ((await tx.domains.getByName(domain.name))?.appId !== app.id) return false;
          await tx.certificates.removeCovering(app.id, 'acme', names);
          await tx.certificates.add({
            id,
            appId: app.id,
            teamId: app.teamId,
            names,
            source: 'acme',
            issuer: issued.issuer,
            notBefore: issued.notBefore.getTime(),
            notAfter: issued.notAfter.getTime(),
            chainPem: issued.certificatePem,
            keySealed: keys.box.seal('certificate-key', issued.keyPem, certificateKeyAad(id)),
            createdAt: now,
          });
          for (const n of names)
            await tx.domains.setStatus(
              n,
              {
                status: 'issued',
                issuer: issued.issuer,
                expiresAt: issued.notAfter.getTime(),
                lastError: null,
              },
              now,
            );
          await audit(tx, app.teamId, app.name, renewing ? 'certificate.renew' : 'certificate.issue', {
            domain: domain.name,
            issuer: issued.issuer,
            expiresAt: issued.notAfter.toISOString(),
          });
          await queueOrder(
            tx,
            { appId: app.id, name: domain.name },
            now,
            renewAt(issued.notBefore.getTime(), issued.notAfter.getTime()),
          );
          await tx.servers.bumpDesiredVersions();
          return true;
        });
        if (!stored) return;
        log.info({ domain: domain.name, ms: clock() - started, edgesMs }, 'certificate issued');
        await deps.publishToEdges();
      } catch (err) {
        const failed = orderFailure(err, payload.failures ?? 0, domain.name, clock());
        await store.transaction(async (tx) => {
          const now = clock();
          for (const n of names)
            await tx.domains.setStatus(n, { status: 'failed', lastError: failed.message }, now);
          await audit(tx, app.teamId, app.name, 'certificate.failed', failed.detail);
          await queueOrder(
            tx,
            { appId: app.id, name: domain.name, failures: failed.failures },
            now,
            failed.retryAt,
          );
        });
        log.warn({ domain: domain.name, err, retryAt: new Date(failed.retryAt) }, 'certificate order failed');
      }
    },
  };
}
