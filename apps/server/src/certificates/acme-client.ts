import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  acmeRetryAfterMs,
  createAcmeIssuer,
  createDns01Provider,
  type AcmeIssuer,
  type Dns01Port,
  type IssuedCertificate,
} from '@berth/engine';
import { retryDelay } from '@berth/core';
import { BerthError } from '@berth/protocol';
import type { Repos, Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import type { AcmeSettings } from '../config.js';
import type { KeyHolder } from '../secrets/keys.js';
import type { ChallengeBoard } from './challenge-board.js';

/**
 * berthd's one ACME client, shared by the orders of apps' domains (acme-orders.ts) and of the
 * installation's wildcard (base-certificate.ts): the account (its key made once and kept sealed),
 * the DNS provider for DNS-01, and HTTP-01 answers put on the challenge board and pushed to every
 * edge once, before the CA is asked to look.
 */

export interface AcmeClientDeps {
  store: Store;
  clock: () => number;
  keys: KeyHolder;
  log: FastifyBaseLogger;
  settings: AcmeSettings;
  board: ChallengeBoard;
  /** Pushes the desired state to every agent and resolves once their edges hold it (or gave up waiting). */
  publishToEdges: () => Promise<void>;
}

export interface AcmeClient {
  /** Orders one certificate for `names`; `edgesMs` is how long the edges took to serve the answers. */
  order(names: readonly string[]): Promise<{ issued: IssuedCertificate; edgesMs: number }>;
  /** A DNS provider is configured (`berth up --dns-provider`): wildcards can be proven. */
  readonly wildcards: boolean;
  /** An audit row written by berthd itself (not on a person's behalf). */
  audit(
    tx: Repos,
    entry: { teamId: string | null; target: string; action: string; detail: Record<string, string> },
  ): Promise<unknown>;
}

const ACCOUNT_KEY = 'acme_account_key';
const ACCOUNT_AAD = 'acme-account-key';
/** How quickly the CA is polled: a first answer within a quarter second, then backing off. */
const POLLING = { attempts: 30, minMs: 250, maxMs: 5_000 };

export function createAcmeClient(deps: AcmeClientDeps): AcmeClient {
  const { store, clock, keys, log, settings, board } = deps;

  /** The installation's ACME account key, made once and kept sealed like a secret. */
  async function accountKey(): Promise<string> {
    const stored = await store.meta.get(ACCOUNT_KEY);
    if (stored !== null) {
      try {
        return keys.box.open(
          'certificate-key',
          JSON.parse(stored) as { keyId: string; value: string },
          ACCOUNT_AAD,
        );
      } catch (err) {
        log.warn(
          { err },
          'the ACME account key no longer opens (its master key was retired): making a new account',
        );
      }
    }
    const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    await store.meta.set(ACCOUNT_KEY, JSON.stringify(keys.box.seal('certificate-key', pem, ACCOUNT_AAD)));
    return pem;
  }

  /** The DNS provider for DNS-01 (wildcards), from its settings file; undefined: none configured. */
  let dns01: Promise<Dns01Port | undefined> | null = null;
  const dns01Once = (): Promise<Dns01Port | undefined> => {
    const file = settings.dnsProviderFile;
    dns01 ??=
      file === null
        ? Promise.resolve(undefined)
        : readFile(file, 'utf8').then((text) => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              throw new BerthError('VALIDATION_FAILED', `The DNS provider settings in ${file} are not JSON`);
            }
            return createDns01Provider(parsed as Parameters<typeof createDns01Provider>[0]);
          });
    dns01.catch(() => (dns01 = null));
    return dns01;
  };

  let issuer: Promise<AcmeIssuer> | null = null;
  const issuerOnce = (): Promise<AcmeIssuer> => {
    issuer ??= (async () =>
      createAcmeIssuer({
        directoryUrl: settings.directoryUrl,
        ...(settings.caCertFile && { caCertPem: await readFile(settings.caCertFile, 'utf8') }),
        accountKeyPem: await accountKey(),
        email: settings.email,
        polling: POLLING,
      }))();
    // A failed registration is tried again by the next order, not remembered.
    issuer.catch(() => (issuer = null));
    return issuer;
  };

  return {
    wildcards: settings.dnsProviderFile !== null,
    async order(names) {
      let edgesMs = 0;
      const dns = await dns01Once();
      const issued = await (
        await issuerOnce()
      ).order({
        names,
        challenge: {
          ...(dns && { dns01: dns }),
          http01: {
            publish: (token, keyAuthorization) => Promise.resolve(board.publish(token, keyAuthorization)),
            // Every answer reaches every edge in one push, before the CA is asked.
            ready: async () => {
              const t0 = clock();
              await deps.publishToEdges();
              edgesMs = clock() - t0;
            },
            // Gone with the next push (the certificate's, or the next change's): nothing waits on it.
            withdraw: (token) => Promise.resolve(board.withdraw(token)),
          },
        },
      });
      return { issued, edgesMs };
    },
    audit: (tx, { teamId, target, action, detail }) =>
      tx.audit.append({
        at: clock(),
        actorKind: 'system',
        actorId: null,
        actorName: 'berthd',
        teamId,
        requestId: null,
        action,
        target,
        outcome: action.endsWith('.failed') ? 'failed' : 'ok',
        detail,
      }),
  };
}

/** A failed order: what to record and when to try again (never sooner than the CA asked). */
export interface OrderFailure {
  message: string;
  /** Failures in a row, this one included. */
  failures: number;
  retryAt: number;
  /** The audit row's detail for `certificate.failed`. */
  detail: Record<string, string>;
}

export function orderFailure(err: unknown, failuresBefore: number, name: string, now: number): OrderFailure {
  const message = err instanceof Error ? err.message : String(err);
  const failures = failuresBefore + 1;
  const retryAt = now + retryDelay(failures, Math.random(), { retryAfterMs: acmeRetryAfterMs(err) });
  return {
    message,
    failures,
    retryAt,
    detail: { domain: name, error: message.slice(0, 500), retryAt: new Date(retryAt).toISOString() },
  };
}
