/**
 * Which challenge answers each authorization, and publishing/withdrawing its answer through the
 * caller's ports. Wildcards can only be proven by DNS-01 (RFC 8555 §7.1.3); other names use
 * HTTP-01 when the caller can serve it (no DNS provider needed), DNS-01 otherwise.
 */
import type { Authorization } from 'acme-client';
import { BerthError } from '@berth/protocol';
import type { ChallengePorts } from './types.js';

export type ChallengeKind = 'http-01' | 'dns-01';

type AcmeChallenge = Authorization['challenges'][number];

export interface ChosenChallenge {
  /** The name as ordered: `*.example.com` for a wildcard's authorization. */
  name: string;
  kind: ChallengeKind;
  challenge: AcmeChallenge;
  authorization: Authorization;
}

export interface PublishedAnswer {
  chosen: ChosenChallenge;
  withdraw(): Promise<void>;
}

const isWildcard = (name: string): boolean => name.startsWith('*.');

/** Refuses, before anything is asked of the CA, an order the given ports cannot answer. */
export function assertPortsCanAnswer(names: readonly string[], ports: ChallengePorts): void {
  if (!ports.http01 && !ports.dns01)
    throw new BerthError(
      'VALIDATION_FAILED',
      'An ACME order needs a way to answer challenges (http01 or dns01).',
    );
  const wildcards = names.filter(isWildcard);
  if (wildcards.length > 0 && !ports.dns01)
    throw new BerthError(
      'VALIDATION_FAILED',
      `Wildcard names (${wildcards.join(', ')}) can only be validated by DNS-01, and no DNS provider is configured.`,
      { hint: 'Configure a DNS provider for the domain, or order the names without the wildcard.' },
    );
}

export function chooseChallenge(authorization: Authorization, ports: ChallengePorts): ChosenChallenge {
  const wildcard = authorization.wildcard === true;
  const name = `${wildcard ? '*.' : ''}${authorization.identifier.value}`;
  const kind: ChallengeKind = !wildcard && ports.http01 ? 'http-01' : 'dns-01';
  const challenge = authorization.challenges.find((c) => c.type === kind);
  if (!challenge) {
    const offered = authorization.challenges.map((c) => c.type).join(', ') || 'none';
    throw new BerthError(
      'ACME_ORDER_FAILED',
      `The CA offers no ${kind} challenge for ${name} (it offers: ${offered}).`,
    );
  }
  return { name, kind, challenge, authorization };
}

/** `_acme-challenge.example.com` for both `example.com` and `*.example.com` (RFC 8555 §8.4). */
export const dns01RecordName = (authorization: Authorization): string =>
  `_acme-challenge.${authorization.identifier.value}`;

/**
 * Publishes the answer; `keyAuthorization` is what acme-client derived for the kind (the token's
 * key authorization for HTTP-01, its SHA-256 digest in base64url for DNS-01).
 */
export async function publishAnswer(
  chosen: ChosenChallenge,
  keyAuthorization: string,
  ports: ChallengePorts,
): Promise<PublishedAnswer> {
  const fail = (e: unknown): never => {
    throw new BerthError(
      'ACME_ORDER_FAILED',
      `Publishing the ${chosen.kind} answer for ${chosen.name} failed: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  };
  if (chosen.kind === 'http-01') {
    const port = ports.http01;
    const token = chosen.challenge.token;
    if (!port) return fail(new Error('no http01 port'));
    await port.publish(token, keyAuthorization).catch(fail);
    return { chosen, withdraw: () => port.withdraw(token) };
  }
  const port = ports.dns01;
  const fqdn = dns01RecordName(chosen.authorization);
  if (!port) return fail(new Error('no dns01 port'));
  await port.publish(fqdn, keyAuthorization).catch(fail);
  return { chosen, withdraw: () => port.withdraw(fqdn, keyAuthorization) };
}

/** Withdraws every answer; failures are returned as warnings, never thrown over the outcome. */
export async function withdrawAll(published: readonly PublishedAnswer[]): Promise<string[]> {
  const results = await Promise.allSettled(published.map((p) => p.withdraw()));
  return results.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    const chosen = published[i]?.chosen;
    const reason = r.reason instanceof Error ? r.reason.message : String(r.reason);
    return [`Withdrawing the ${chosen?.kind ?? ''} answer for ${chosen?.name ?? '?'} failed: ${reason}`];
  });
}
