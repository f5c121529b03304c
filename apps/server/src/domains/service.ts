import { parseDomainCreate, toAppHostname } from '@berth/core';
import { BerthError, type DomainCheck, type DomainCreate, type DomainStatus } from '@berth/protocol';
import { createId } from '../ids.js';
import type { AppRow, DomainRow, Repos, Store } from '@berth/store';
import type { AuditIntent } from '../audit/intent.js';
import { createMutator } from '../deploy/service.js';
import { requireApp } from '../deploy/rollout-steps.js';
import { queueOrder } from '../certificates/acme-orders.js';

/**
 * Custom domains of apps (issue 11): added and removed in one transaction with their audit row,
 * then every edge is told (a domain is a route on every server). Names are made canonical and
 * checked by @berth/core before anything is written; the store refuses a name another app holds.
 */

export interface DomainsServiceDeps {
  store: Store;
  clock: () => number;
  onChange: () => void;
  /** `berth up --domain`: every app is already served under it, so no one may claim a name there. */
  baseDomain: string;
  /** berthd orders certificates (berth up --acme-email): each new domain gets an order job. */
  acme: boolean;
  /** A DNS provider is configured (berth up --dns-provider): wildcard domains can be proven. */
  wildcards?: boolean;
  /** What a CA would find for a domain now (check.ts); absent: checks are not offered. */
  check?: (domain: DomainRow) => Promise<DomainCheck>;
}

export type DomainsService = ReturnType<typeof createDomainsService>;

/** An app's name under the base domain, with the status of the installation's wildcard for it. */
export interface DefaultHostname {
  name: string;
  status: DomainStatus;
  issuer: string | null;
  expiresAt: number | null;
  lastError: string | null;
}

/** A domain request made canonical and checked, ready to be written. */
export interface ParsedDomain {
  primary: string;
  redirectFrom: string[];
}

export function createDomainsService({
  store,
  clock,
  onChange,
  baseDomain,
  acme,
  wildcards = false,
  check,
}: DomainsServiceDeps) {
  const mutate = createMutator(store, clock, onChange);

  const noSuchDomain = (appName: string, name: string): BerthError =>
    name.trim().toLowerCase() === toAppHostname(appName, baseDomain)
      ? new BerthError(
          'DOMAIN_NOT_FOUND',
          `${name} is ${appName}'s name under the installation's domain ${baseDomain}, not a custom domain of it`,
          {
            hint: `berthd orders and renews the certificate of *.${baseDomain} on its own; berth domains list ${appName} shows its status`,
          },
        )
      : new BerthError('DOMAIN_NOT_FOUND', `App ${appName} has no domain ${name}`, {
          hint: `List its domains with: berth domains list ${appName}`,
        });

  /** Canonical names, or VALIDATION_FAILED naming each bad field (under `prefix`); writes nothing. */
  const prepare = (body: DomainCreate, prefix = ''): ParsedDomain => {
    // Wildcards need DNS-01, which needs a DNS provider: refused unless one is configured.
    const parsed = parseDomainCreate(body, { wildcard: wildcards, servedUnder: [baseDomain] });
    if (!parsed.ok)
      throw new BerthError('VALIDATION_FAILED', 'The domain cannot be added', {
        issues: parsed.issues.map((i) => ({ ...i, path: `${prefix}${i.path}` })),
      });
    return { primary: parsed.primary.name, redirectFrom: parsed.redirectFrom.map((r) => r.name) };
  };

  /** Adds prepared domains to the app in the caller's transaction: the primary first, then its redirects. */
  const addInTransaction = async (
    tx: Repos,
    app: Pick<AppRow, 'id' | 'teamId'>,
    domain: ParsedDomain,
    now: number,
  ): Promise<DomainRow[]> => {
    const row = (name: string, redirectTo: string | null): DomainRow => ({
      id: createId('dom'),
      appId: app.id,
      teamId: app.teamId,
      name,
      kind: redirectTo === null ? 'primary' : 'redirect',
      redirectTo,
      status: 'pending',
      issuer: null,
      expiresAt: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    });
    const rows = [row(domain.primary, null), ...domain.redirectFrom.map((r) => row(r, domain.primary))];
    await tx.domains.add(rows);
    if (acme) await queueOrder(tx, { appId: app.id, name: domain.primary }, now);
    await tx.servers.bumpDesiredVersions();
    return rows;
  };

  return {
    prepare,
    addInTransaction,

    /** The primary name first, then the names that redirect to it. */
    add: (appName: string, body: DomainCreate, intent: AuditIntent): Promise<DomainRow[]> => {
      const domain = prepare(body);
      return mutate(intent, async (tx, now) =>
        addInTransaction(tx, await requireApp(tx, appName), domain, now),
      );
    },

    /** `berth domains check`: DNS, an HTTP-01 probe through the name, and what the CA said last. */
    async check(appName: string, name: string): Promise<DomainCheck> {
      const app = await requireApp(store, appName);
      const domain = await store.domains.getByName(name.trim().toLowerCase());
      if (domain?.appId !== app.id) throw noSuchDomain(appName, name);
      if (!check) throw new BerthError('INTERNAL', 'domain checks are not wired in');
      return check(domain);
    },

    /**
     * The app's custom domains and, once the installation orders a wildcard for its base domain,
     * the app's default hostname with that certificate's status.
     */
    async list(appName: string): Promise<{ domains: DomainRow[]; defaultHostname: DefaultHostname | null }> {
      const app = await requireApp(store, appName);
      const base = await store.baseCertificates.get(baseDomain);
      return {
        domains: await store.domains.listByApp(app.id),
        defaultHostname: base && {
          name: toAppHostname(app.name, baseDomain),
          status: base.status,
          issuer: base.certificate?.issuer ?? null,
          expiresAt: base.certificate?.notAfter ?? null,
          lastError: base.lastError,
        },
      };
    },

    /** Orders the domain's certificate again now (a renewal ahead of time, or a retry after a fix). */
    renew: (appName: string, name: string, intent: AuditIntent): Promise<DomainRow> =>
      mutate(intent, async (tx, now) => {
        const app = await requireApp(tx, appName);
        const domain = await tx.domains.getByName(name.trim().toLowerCase());
        if (domain?.appId !== app.id) throw noSuchDomain(appName, name);
        if (!acme)
          throw new BerthError(
            'ACME_NOT_CONFIGURED',
            'Berth orders no certificates: it was started without --acme-email',
            {
              hint: 'Start berth up with --acme-email (and --acme-directory for a CA other than Let’s Encrypt), or upload one: berth certs add',
            },
          );
        const primary = domain.kind === 'primary' ? domain.name : (domain.redirectTo ?? domain.name);
        await queueOrder(tx, { appId: app.id, name: primary }, now);
        return domain;
      }),

    /** Removes the name (and, for a primary, the names redirecting to it); returns what went. */
    remove: (appName: string, name: string, intent: AuditIntent): Promise<string[]> =>
      mutate(intent, async (tx) => {
        const app = await requireApp(tx, appName);
        const removed = await tx.domains.remove(app.id, name.trim().toLowerCase());
        if (removed.length === 0) throw noSuchDomain(appName, name);
        await tx.servers.bumpDesiredVersions();
        return removed;
      }),
  };
}
