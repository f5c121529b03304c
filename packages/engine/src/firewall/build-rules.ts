/**
 * The host firewall for builds: sockets owned by the build user's uids (a rootless builder's
 * own processes and slirp4netns/pasta, which carry its containers' traffic) may reach the
 * internet (package registries) but not the host, other containers or metadata services. Pure.
 *
 * Why the output hook: a rootless build's traffic leaves through host sockets of that user, so
 * it is locally generated, and `meta skuid` names who sends it. `fib daddr type local` covers
 * 127.0.0.0/8, ::1 and every address of the host (a host address is reached through `lo`).
 */
import { BerthError } from '@berth/protocol';
import {
  METADATA_V4,
  METADATA_V6,
  SMTP_PORTS,
  checkUid,
  renderReplacedTable,
  renderSubnetSet,
} from './nft-values.js';
import type { NftTable } from './nft.js';

export interface BuildFirewallInput {
  tableName: string;
  /**
   * Inclusive ranges of socket owner uids: the build user (its slirp4netns carries every
   * connection of a sandbox), and its subordinate uids.
   */
  uids: readonly { first: number; last: number }[];
  /** Container subnets of the host: builds reach no app. */
  containerSubnets: readonly string[];
}

export function planBuildFirewall(input: BuildFirewallInput): NftTable {
  const ranges = input.uids.map(({ first, last }) => {
    const [a, b] = [checkUid(first), checkUid(last)];
    if (b < a)
      throw new BerthError('VALIDATION_FAILED', `The uid range ${a}-${b} of the build firewall is empty`);
    return a === b ? String(a) : `${a}-${b}`;
  });
  if (ranges.length === 0)
    throw new BerthError('VALIDATION_FAILED', 'The build firewall needs the uids of the build user');
  const who = ranges.length === 1 ? ranges[0] : `{ ${ranges.join(', ')} }`;
  const body = [
    ...renderSubnetSet('container_subnets', input.containerSubnets),
    '',
    '\tchain output {',
    '\t\ttype filter hook output priority filter; policy accept;',
    `\t\tmeta skuid ${who} jump from_builds`,
    '\t}',
    '',
    '\tchain from_builds {',
    '\t\tct state established,related accept',
    '\t\tfib daddr type local meta l4proto { tcp, udp } th dport 53 accept comment "DNS of the host resolver"',
    '\t\tfib daddr type local counter drop comment "the host itself: berthd, the agent, the engine, any local port"',
    `\t\tip daddr ${METADATA_V4} counter drop comment "cloud metadata and link-local"`,
    `\t\tip6 daddr ${METADATA_V6} counter drop comment "cloud metadata over IPv6"`,
    '\t\tip daddr @container_subnets counter drop comment "app containers"',
    `\t\ttcp dport ${SMTP_PORTS} counter drop comment "outbound SMTP"`,
    '\t}',
  ];
  const header = 'Berth: what builds may reach. Rendered by planBuildFirewall; replaced whole, never edited.';
  return { family: 'inet', name: input.tableName, text: renderReplacedTable(input.tableName, header, body) };
}
