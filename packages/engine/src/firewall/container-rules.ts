/**
 * The host firewall for app containers: what traffic entering the host from a team network may
 * do. Pure: facts about the networks in, nft text out (./nft.ts applies it).
 *
 * Why a prerouting chain at priority mangle (-150): it sees every packet from a container before
 * the engine's NAT (CNI portmap and Docker DNAT at dstnat, -100) rewrites its destination, and
 * before routing decides between the host (input) and another network (forward); so one chain
 * judges both, by the address the container actually asked for. It runs after conntrack (-200),
 * so replies to connections the host opened (Caddy → a published port) are told apart. A drop
 * in any base chain is final, whatever accepts iptables-nft's or iptables-legacy's own chains
 * (CNI-FORWARD, DOCKER-USER) make, and with br_netfilter (bridge-nf-call-iptables=1) bridged
 * traffic between two containers on one bridge passes this hook as well.
 */
import {
  METADATA_V4,
  SMTP_PORTS,
  checkInterface,
  checkIpv4,
  checkIpv4Cidr,
  renderReplacedTable,
  renderSubnetSet,
} from './nft-values.js';
import type { NftTable } from './nft.js';
import { BerthError } from '@berth/protocol';

export interface AppNetworkFacts {
  /** The host-side bridge of the network: traffic entering on it comes from its containers. */
  bridge: string;
  subnet: string;
  gateway: string | null;
  /**
   * The engine answers DNS on the gateway (Podman with netavark's aardvark-dns or CNI's dnsname
   * plugin; the container's resolv.conf then names the gateway): DNS to it stays allowed.
   */
  dnsOnGateway: boolean;
}

export interface ContainerFirewallInput {
  /** Unique per Berth installation (several run side by side on one host in tests). */
  tableName: string;
  /** One per team: its containers may reach each other and nothing else of the host. */
  networks: readonly AppNetworkFacts[];
  /** Every other container subnet on the host (other teams, other engines' networks). */
  otherSubnets: readonly string[];
  /**
   * The private addresses of the fleet's other servers (IPv4; IPv6 from apps is dropped anyway).
   * Their replicas are published there for their edges; an app reaching them directly would
   * reach any team's replicas, so apps may not.
   */
  fleetPeers?: readonly string[];
  /**
   * Where the edge (Caddy) listens for HTTP, so `<app>.internal` works: each team's port 80 on
   * its own gateway is sent there. `redirect`: the edge listens on every address (`:PORT`);
   * `dnat`: on one non-loopback address. Absent: no such rules (the feature is off).
   */
  internalEdge?: InternalEdge;
}

export type InternalEdge =
  { kind: 'redirect'; port: number } | { kind: 'dnat'; address: string; port: number };

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new BerthError('VALIDATION_FAILED', `Invalid port for the host firewall: ${port}`);
  return port;
}

const toEdgeTarget = (edge: InternalEdge): string =>
  edge.kind === 'redirect'
    ? `redirect to :${checkPort(edge.port)}`
    : `dnat ip to ${checkIpv4(edge.address)}:${checkPort(edge.port)}`;

/**
 * Port 80 of each team's own gateway leads to the edge, which serves `<app>.internal` to that
 * team's subnet only. At dstnat, after the filter chain at mangle judged the address asked for.
 */
function renderInternalEdge(
  nets: readonly { bridge: string; gateway: string | null }[],
  edge: InternalEdge | undefined,
): { accepts: string[]; chain: string[] } {
  const withGateway = nets.filter((n): n is { bridge: string; gateway: string } => n.gateway !== null);
  if (edge === undefined || withGateway.length === 0) return { accepts: [], chain: [] };
  const target = toEdgeTarget(edge);
  return {
    accepts: withGateway.map(
      (n) =>
        `\t\tiifname "${n.bridge}" ip daddr ${n.gateway} tcp dport 80 accept comment "the edge, for <app>.internal of the team"`,
    ),
    chain: [
      '',
      '\tchain internal_names {',
      '\t\ttype nat hook prerouting priority dstnat; policy accept;',
      ...withGateway.map((n) => `\t\tiifname "${n.bridge}" ip daddr ${n.gateway} tcp dport 80 ${target}`),
      '\t}',
    ],
  };
}

export function planContainerFirewall(input: ContainerFirewallInput): NftTable {
  const nets = input.networks.map((n) => ({
    bridge: checkInterface(n.bridge),
    subnet: checkIpv4Cidr(n.subnet),
    gateway: n.gateway === null ? null : checkIpv4(n.gateway),
    dnsOnGateway: n.dnsOnGateway,
  }));
  const bridges = [...new Set(nets.map((n) => `"${n.bridge}"`))].sort();
  const allSubnets = [...nets.map((n) => n.subnet), ...input.otherSubnets];
  const dns = nets.flatMap((n) =>
    n.dnsOnGateway && n.gateway
      ? [
          `\t\tiifname "${n.bridge}" ip daddr ${n.gateway} meta l4proto { tcp, udp } th dport 53 accept comment "DNS of the engine on the network's gateway"`,
        ]
      : [],
  );
  const ownTeam = nets.map(
    (n) => `\t\tiifname "${n.bridge}" ip daddr ${n.subnet} accept comment "the team's own apps"`,
  );
  const internal = renderInternalEdge(nets, input.internalEdge);
  const peers = (input.fleetPeers ?? []).filter((p) => !p.includes(':')).map((p) => `${checkIpv4(p)}/32`);
  const body = [
    ...renderSubnetSet('container_subnets', allSubnets),
    '',
    ...(peers.length > 0 ? [...renderSubnetSet('fleet_peers', peers), ''] : []),
    '\tchain prerouting {',
    '\t\ttype filter hook prerouting priority mangle; policy accept;',
    ...(bridges.length > 0 ? [`\t\tiifname { ${bridges.join(', ')} } jump from_apps`] : []),
    '\t}',
    '',
    '\tchain from_apps {',
    // Team networks are IPv4-only; IPv6 link-local would otherwise reach the host's services.
    '\t\tmeta nfproto ipv6 counter drop comment "no IPv6 from app networks"',
    '\t\tct state established,related accept',
    ...dns,
    ...internal.accepts,
    '\t\tfib daddr type local counter drop comment "the host itself: berthd, the agent, the engine, any local port"',
    `\t\tip daddr ${METADATA_V4} counter drop comment "cloud metadata and link-local"`,
    ...(peers.length > 0
      ? [
          '\t\tip daddr @fleet_peers counter drop comment "the fleet\'s other servers: apps reach them only through their edges"',
        ]
      : []),
    ...ownTeam,
    `\t\ttcp dport ${SMTP_PORTS} counter drop comment "outbound SMTP"`,
    '\t\tip daddr @container_subnets counter drop comment "other teams and other containers"',
    '\t}',
    ...internal.chain,
  ];
  const header =
    'Berth: what app containers may reach. Rendered by planContainerFirewall; replaced whole, never edited.';
  return { family: 'inet', name: input.tableName, text: renderReplacedTable(input.tableName, header, body) };
}

/**
 * How port 80 of the team gateways reaches an edge listening at `listen` (Caddy's form: `:80`,
 * `10.0.0.5:80`): null when it cannot (loopback only: a redirect there would need
 * route_localnet, which opens every loopback service to the bridges).
 */
export function toInternalEdge(listen: string): InternalEdge | null {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at);
  const port = Number(listen.slice(at + 1));
  if (at < 0 || !/^\d{1,5}$/.test(listen.slice(at + 1)) || port < 1 || port > 65535) return null;
  if (host === '' || host === '0.0.0.0' || host === '[::]') return { kind: 'redirect', port };
  try {
    checkIpv4(host);
  } catch {
    return null;
  }
  return host.startsWith('127.') ? null : { kind: 'dnat', address: host, port };
}
