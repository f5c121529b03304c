import { parseDomainName, renewAt } from '@berth/core';
import { BerthError } from '@berth/protocol';
import type { Repos, Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import { createId } from '../ids.js';
import type { KeyHolder } from '../secrets/keys.js';
import { orderFailure, type AcmeClient } from './acme-client.js';
import { certificateKeyAad } from './sealing.js';

/**
 * The installation's wildcard certificate `*.<domain>` for `berth up --domain <domain>`: one
 * order (DNS-01, the only challenge a wildcard may use) covers every app's default hostname
 * `<app>.<domain>`, so a new app is served over HTTPS at once, with no order of its own and none
 * of the CA's rate limits spent on it. The same durable job as a custom domain's order: queued at
 * start when there is no certificate yet, again at two thirds of its lifetime, and after a failure
 * with a jittered backoff; the failure's reason is on the row (`domains list` shows it on each
 * app's default hostname) and in the audit log, and the old certificate keeps being served.
 */

export const BASE_ORDER_JOB = 'base-certificate-order';

interface BaseOrderPayload {
  domain: string;
  /** Failures in a row before this attempt. */
  failures?: number;
}

const isPayload = (p: unknown): p is BaseOrderPayload =>
  typeof p === 'object' && p !== null && typeof (p as BaseOrderPayload).domain === 'string';

/** The wildcard's name, or null when the base domain is one no CA certifies (`localhost`, `.internal`). */
export function baseWildcard(domain: string): string | null {
  const parsed = parseDomainName(`*.${domain}`, { wildcard: true });
  return parsed.ok ? parsed.name : null;
}

/**
 * Keyed by the certificate it replaces, so the queue holds one order per certificate however
 * often berthd starts: the first one's, then each renewal's. Retries after a failure are not keyed.
 */
async function queueBaseOrder(
  tx: Repos,
  payload: BaseOrderPayload,
  now: number,
  runAt: number,
  replacing: string | null | undefined,
): Promise<void> {
  await tx.jobs.enqueue(
    {
      id: createId('job'),
      kind: BASE_ORDER_JOB,
      payload,
      ...(replacing !== undefined && {
        idempotencyKey: `base-certificate:${payload.domain}:${replacing ?? 'first'}`,
      }),
      concurrencyKey: `base-certificate:${payload.domain}`,
      // The job handles its own failures (backoff on the row): the worker never retries it.
      maxAttempts: 1,
      runAt,
    },
    now,
  );
}

export interface BaseCertificateDeps {
  store: Store;
  clock: () => number;
  keys: KeyHolder;
  log: FastifyBaseLogger;
  acme: AcmeClient;
  /** `berth up --domain`. */
  domain: string;
  /** Pushes the desired state to every agent (the new certificate with it). */
  publishToEdges: () => Promise<void>;
}

export function createBaseCertificate(deps: BaseCertificateDeps) {
  const { store, clock, keys, log, acme, domain } = deps;
  const wildcard = baseWildcard(domain);
  const target = `installation:${wildcard ?? domain}`;

  return {
    /**
     * At start: makes sure the base domain's certificate is ordered (or its renewal queued).
     * Nothing to order for a name no CA certifies; only a note when no DNS provider can prove it.
     */
    async ensure(): Promise<void> {
      if (wildcard === null) return;
      if (!acme.wildcards) {
        log.info(
          { domain },
          `apps under ${domain} are served over plain HTTP: a certificate for ${wildcard} needs a DNS provider (berth up --dns-provider)`,
        );
        return;
      }
      const row = await store.baseCertificates.get(domain);
      const now = clock();
      const current = row?.certificate ?? null;
      await store.transaction(async (tx) => {
        if (row === null) await tx.baseCertificates.setStatus(domain, 'pending', null, now);
        await queueBaseOrder(
          tx,
          { domain },
          now,
          current ? renewAt(current.notBefore, current.notAfter) : now,
          current?.id ?? null,
        );
      });
    },

    async run(payload: unknown): Promise<void> {
      if (!isPayload(payload)) throw new BerthError('INTERNAL', 'a base certificate order without a domain');
      // Queued by a run under another --domain: that domain's edges are gone.
      if (payload.domain !== domain || wildcard === null) return;
      const row = await store.baseCertificates.get(domain);
      const replacing = row?.certificate ?? null;
      await store.baseCertificates.setStatus(
        domain,
        replacing ? 'renewing' : 'pending',
        row?.lastError ?? null,
        clock(),
      );
      const started = clock();
      try {
        const { issued, edgesMs } = await acme.order([wildcard]);
        const id = createId('crt');
        await store.transaction(async (tx) => {
          const now = clock();
          await tx.baseCertificates.setCertificate(
            domain,
            {
              id,
              issuer: issued.issuer,
              notBefore: issued.notBefore.getTime(),
              notAfter: issued.notAfter.getTime(),
              chainPem: issued.certificatePem,
              keySealed: keys.box.seal('certificate-key', issued.keyPem, certificateKeyAad(id)),
            },
            now,
          );
          await acme.audit(tx, {
            teamId: null,
            target,
            action: replacing ? 'certificate.renew' : 'certificate.issue',
            detail: { domain: wildcard, issuer: issued.issuer, expiresAt: issued.notAfter.toISOString() },
          });
          await queueBaseOrder(
            tx,
            { domain },
            now,
            renewAt(issued.notBefore.getTime(), issued.notAfter.getTime()),
            id,
          );
          await tx.servers.bumpDesiredVersions();
        });
        log.info({ domain: wildcard, ms: clock() - started, edgesMs }, 'certificate issued');
        await deps.publishToEdges();
      } catch (err) {
        const failed = orderFailure(err, payload.failures ?? 0, wildcard, clock());
        await store.transaction(async (tx) => {
          const now = clock();
          await tx.baseCertificates.setStatus(domain, 'failed', failed.message, now);
          await acme.audit(tx, { teamId: null, target, action: 'certificate.failed', detail: failed.detail });
          await queueBaseOrder(tx, { domain, failures: failed.failures }, now, failed.retryAt, undefined);
        });
        log.warn({ domain: wildcard, err, retryAt: new Date(failed.retryAt) }, 'certificate order failed');
      }
    },
  };
}
