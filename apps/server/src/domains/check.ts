import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { request } from 'node:http';
import type { DomainCheck } from '@berth/protocol';
import type { DomainRow } from '@berth/store';
import type { ChallengeBoard } from '../certificates/challenge-board.js';

/**
 * `berth domains check`: what a CA would find, asked the way it asks. The name's DNS (A and AAAA
 * through the system's resolver, or BERTHD_DNS_RESOLVER), then an HTTP-01-style probe: a random
 * token every edge serves for the check's duration, fetched from `http://<name>:<http port>/`
 * as the CA will (which also says whether the name's DNS points at one of Berth's edges). And
 * what the CA said last, from the domain.
 */

export interface DomainCheckDeps {
  board: ChallengeBoard;
  /** Pushes the board to every edge and waits until each serves it. */
  publishToEdges: () => Promise<void>;
  /** The port a CA connects to for HTTP-01: the edges' public HTTP port. */
  httpPort: number;
  /** `IP[:port]` of the DNS server to ask instead of the system's (a test's, a split horizon's). */
  resolver: string | null;
}

const PROBE_TIMEOUT_MS = 5_000;

async function lookup(
  name: string,
  resolverAddress: string | null,
): Promise<{ addresses: string[]; error: string | null }> {
  const resolver = new Resolver({ timeout: 3_000, tries: 2 });
  if (resolverAddress !== null) resolver.setServers([resolverAddress]);
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const addresses = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  if (addresses.length > 0) return { addresses, error: null };
  const reason = v4.status === 'rejected' ? (v4.reason as NodeJS.ErrnoException).code : undefined;
  return {
    addresses: [],
    error:
      reason === 'ENOTFOUND' || reason === 'ENODATA'
        ? `${name} has no A or AAAA record: point one at a server of this fleet`
        : `${name} could not be resolved (${reason ?? 'no answer'})`,
  };
}

/** GET the probe as a CA would: the name's first address, the edges' HTTP port, Host = the name. */
function fetchProbe(name: string, address: string, port: number, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address,
        port,
        path: `/.well-known/acme-challenge/${token}`,
        headers: { host: name },
        timeout: PROBE_TIMEOUT_MS,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function checkDomain(domain: DomainRow, deps: DomainCheckDeps): Promise<DomainCheck> {
  const probeName = domain.name.startsWith('*.') ? `berth-check.${domain.name.slice(2)}` : domain.name;
  const dns = await lookup(probeName, deps.resolver);
  let challenge: DomainCheck['challenge'];
  const address = dns.addresses[0];
  if (address === undefined) {
    challenge = { reachable: false, detail: 'not tried: the name does not resolve' };
  } else {
    const token = randomBytes(24).toString('base64url');
    const answer = randomBytes(24).toString('base64url');
    deps.board.publish(token, answer);
    try {
      await deps.publishToEdges();
      const body = await fetchProbe(probeName, address, deps.httpPort, token);
      challenge =
        body === answer
          ? {
              reachable: true,
              detail: `http://${probeName}:${deps.httpPort}/.well-known/acme-challenge/ answered by a Berth edge at ${address}`,
            }
          : {
              reachable: false,
              detail: `${address}:${deps.httpPort} answered, but not as a Berth edge: is the DNS pointing elsewhere?`,
            };
    } catch (e) {
      challenge = {
        reachable: false,
        detail: `http://${probeName}:${deps.httpPort}/ at ${address}: ${e instanceof Error ? e.message : String(e)}`,
      };
    } finally {
      deps.board.withdraw(token);
    }
  }
  return {
    name: domain.name,
    status: domain.status,
    dns,
    challenge,
    lastError: domain.lastError,
  };
}
