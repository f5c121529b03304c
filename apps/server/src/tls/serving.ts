/**
 * The certificate berthd serves its API with, kept current without a restart. Internal: a
 * short-lived certificate from the internal CA for every name and address of the host (plus
 * the public URL's host), re-issued when two thirds of its life are gone, for the names the
 * host has then. Given: the operator's files, read again when they change (a renewal by
 * certbot or similar), kept as they were when the new ones do not load.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import type { SecureContextOptions } from 'node:tls';
import { planServingNames } from '@berth/core';
import { issueServerCertificate } from '@berth/crypto';
import { BerthError } from '@berth/protocol';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { loadOrCreateInternalCa, type InternalCa } from './internal-ca.js';

/** Clients whose clocks run behind by up to this much still accept a fresh certificate. */
const BACKDATE_MS = 5 * 60_000;
/**
 * When to renew a certificate issued at `issuedAt`: two thirds into its validity as it is
 * written, in whole seconds (X.509 times drop the milliseconds, so a 5-s certificate may hold
 * for 4 s: renewing at 3.3 s left clients a margin that a busy moment used up).
 */
export function renewAtOf(issuedAt: number, notAfter: Date): number {
  const validUntil = Math.floor(notAfter.getTime() / 1000) * 1000;
  return issuedAt + Math.floor(((validUntil - issuedAt) * 2) / 3);
}

/** A failed renewal (or a given file that changed but does not load) is tried again after this. */
const RETRY_MS = 60_000;
/** How often the given certificate files are checked for a change. */
const GIVEN_POLL_MS = 60_000;

export interface ServingTls {
  /** The certificate chain and key to serve now. */
  readonly current: SecureContextOptions;
  /** The fingerprint clients pin: the internal CA's; null for a given (publicly trusted) certificate. */
  readonly caFingerprint: string | null;
  /** Keeps the certificate current; `onChange` gets each new one. */
  start(onChange: (options: SecureContextOptions) => void): void;
  stop(): void;
}

type TlsOn = Exclude<ServerConfig['tls'], { kind: 'off' }>;

export async function createServingTls(
  config: ServerConfig & { tls: TlsOn },
  clock: () => number,
  log: Logger,
): Promise<ServingTls> {
  return config.tls.kind === 'internal'
    ? internalServing(config, config.tls.certLifetimeMs, clock, log)
    : givenServing(config.tls.certFile, config.tls.keyFile, log);
}

async function internalServing(
  config: ServerConfig,
  lifetimeMs: number,
  clock: () => number,
  log: Logger,
): Promise<ServingTls> {
  const { ca, created } = await loadOrCreateInternalCa(config.dataDir, new Date(clock()));
  if (created)
    log.info({ fingerprint: ca.fingerprint }, 'made the internal CA (ca.key, ca.crt in the data dir)');
  const issue = async (): Promise<{ options: SecureContextOptions; renewAt: number }> => {
    const now = clock();
    const names = planServingNames({
      hostname: hostname(),
      addresses: Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address)),
      listenHost: config.listenHost,
      publicHost: config.publicHost,
    });
    const cert = await issueServerCertificate({
      ca,
      ...names,
      now: new Date(now),
      lifetimeMs,
      backdateMs: BACKDATE_MS,
    });
    log.info(
      { serial: cert.serial, notAfter: cert.notAfter.toISOString(), ...names },
      'serving certificate issued',
    );
    return {
      options: chainOptions(cert.certPem, cert.keyPem, ca),
      renewAt: renewAtOf(now, cert.notAfter),
    };
  };
  let { options: current, renewAt } = await issue();
  let timer: NodeJS.Timeout | null = null;
  return {
    get current() {
      return current;
    },
    caFingerprint: ca.fingerprint,
    start(onChange) {
      const schedule = (at: number): void => {
        timer = setTimeout(renew, Math.max(0, at - clock()));
        timer.unref();
      };
      const renew = (): void => {
        issue().then(
          (next) => {
            current = next.options;
            renewAt = next.renewAt;
            onChange(current);
            schedule(renewAt);
          },
          (err: unknown) => {
            log.error({ err }, 'renewing the serving certificate failed; trying again in a minute');
            schedule(clock() + Math.min(RETRY_MS, lifetimeMs / 10));
          },
        );
      };
      schedule(renewAt);
    },
    stop() {
      if (timer) clearTimeout(timer);
    },
  };
}

/** The serving certificate followed by the CA's, so a client can find the CA it pins. */
const chainOptions = (certPem: string, keyPem: string, ca: InternalCa): SecureContextOptions => ({
  cert: `${certPem.trimEnd()}\n${ca.certPem}`,
  key: keyPem,
});

async function givenServing(certFile: string, keyFile: string, log: Logger): Promise<ServingTls> {
  const load = async (): Promise<SecureContextOptions> => {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(cert);
      if (!leaf.checkPrivateKey(createPrivateKey(key))) throw new Error('the key is not the certificate’s');
    } catch (err) {
      throw new BerthError(
        'VALIDATION_FAILED',
        `${certFile} and ${keyFile} are not a certificate and its key (${err instanceof Error ? err.message : String(err)})`,
        {
          hint: 'berth up --tls-cert takes a PEM chain (the server certificate first), --tls-key its PEM private key',
        },
      );
    }
    log.info(
      { subject: leaf.subject, notAfter: leaf.validTo, file: certFile },
      'serving the given certificate',
    );
    return { cert, key };
  };
  const version = async (): Promise<string> => {
    const stats = await Promise.all([stat(certFile), stat(keyFile)]);
    return stats.map((s) => `${s.ino}:${s.size}:${s.mtimeMs}`).join('/');
  };
  let seen = await version();
  let current = await load();
  let timer: NodeJS.Timeout | null = null;
  return {
    get current() {
      return current;
    },
    caFingerprint: null,
    start(onChange) {
      timer = setInterval(() => {
        void (async () => {
          const now = await version().catch(() => seen);
          if (now === seen) return;
          try {
            current = await load();
            seen = now;
            onChange(current);
          } catch (err) {
            // Half-written by a renewal, most likely: the old certificate serves until both load.
            log.warn(
              { err },
              'the given certificate files changed but do not load yet; still serving the previous one',
            );
          }
        })();
      }, GIVEN_POLL_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
