import { HOST_NAME_PATTERN, isWildcardAddress, parseIpAddress } from './addresses.js';

/** What berthd's serving certificate is valid for (its subject alternative names). */
export interface ServingNames {
  dnsNames: string[];
  ipAddresses: string[];
}

export interface ServingNamesInput {
  /** The host's name (os.hostname()). */
  hostname: string;
  /** The host's interface addresses, as the OS lists them. */
  addresses: readonly string[];
  /** The address berthd listens on (`berth up --api-host`). */
  listenHost: string;
  /** The host of `--public-url`, if any: a DNS name or an IP address. */
  publicHost: string | null;
}

/**
 * Plans the names of the serving certificate: every name and address a client may use to reach
 * this berthd — the host's name and addresses, loopback, the listen address and the public
 * URL's host. Link-local IPv6 addresses are left out (they need a zone, which a certificate
 * cannot carry). Sorted and without duplicates, so two plans compare equal.
 */
export function planServingNames(input: ServingNamesInput): ServingNames {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const add = (raw: string): void => {
    const ip = parseIpAddress(raw);
    if (ip) {
      if (!isWildcardAddress(ip.address) && !/^fe[89ab][0-9a-f]:/.test(ip.address)) ips.add(ip.address);
      return;
    }
    const name = raw.toLowerCase().replace(/\.$/, '');
    if (HOST_NAME_PATTERN.test(name)) dns.add(name);
  };
  add(input.hostname);
  for (const address of input.addresses) add(address.split('%')[0] ?? address);
  add(input.listenHost);
  if (input.publicHost) add(input.publicHost);
  return { dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}
