import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '@berth/protocol';
import {
  planContainerFirewall,
  toInternalEdge,
  type AppNetworkFacts,
  type ContainerFirewallInput,
} from './container-rules.js';

const twoTeams: ContainerFirewallInput = {
  tableName: 'berth_apps_0123456789abcdef',
  networks: [
    { bridge: 'bt-aaaaaaaaaaaa', subnet: '10.89.0.0/24', gateway: '10.89.0.1', dnsOnGateway: true },
    { bridge: 'bt-bbbbbbbbbbbb', subnet: '10.89.1.0/24', gateway: '10.89.1.1', dnsOnGateway: false },
  ],
  otherSubnets: ['10.88.0.0/16', '10.89.0.0/24', '10.89.7.0/24'],
};

test('two teams: the whole ruleset, in the order that makes each rule mean what it says', () => {
  const { family, name, text } = planContainerFirewall(twoTeams);
  assert.equal(family, 'inet');
  assert.equal(name, 'berth_apps_0123456789abcdef');
  assert.equal(
    text,
    `# Berth: what app containers may reach. Rendered by planContainerFirewall; replaced whole, never edited.
table inet berth_apps_0123456789abcdef
delete table inet berth_apps_0123456789abcdef
table inet berth_apps_0123456789abcdef {
\tset container_subnets {
\t\ttype ipv4_addr
\t\tflags interval
\t\tauto-merge
\t\telements = { 10.88.0.0/16, 10.89.0.0/24, 10.89.1.0/24, 10.89.7.0/24 }
\t}

\tchain prerouting {
\t\ttype filter hook prerouting priority mangle; policy accept;
\t\tiifname { "bt-aaaaaaaaaaaa", "bt-bbbbbbbbbbbb" } jump from_apps
\t}

\tchain from_apps {
\t\tmeta nfproto ipv6 counter drop comment "no IPv6 from app networks"
\t\tct state established,related accept
\t\tiifname "bt-aaaaaaaaaaaa" ip daddr 10.89.0.1 meta l4proto { tcp, udp } th dport 53 accept comment "DNS of the engine on the network's gateway"
\t\tfib daddr type local counter drop comment "the host itself: berthd, the agent, the engine, any local port"
\t\tip daddr 169.254.0.0/16 counter drop comment "cloud metadata and link-local"
\t\tiifname "bt-aaaaaaaaaaaa" ip daddr 10.89.0.0/24 accept comment "the team's own apps"
\t\tiifname "bt-bbbbbbbbbbbb" ip daddr 10.89.1.0/24 accept comment "the team's own apps"
\t\ttcp dport { 25, 465, 587 } counter drop comment "outbound SMTP"
\t\tip daddr @container_subnets counter drop comment "other teams and other containers"
\t}
}
`,
  );
});

test('the host is dropped before a team reaches its own subnet: its gateway is a host address', () => {
  const lines = planContainerFirewall(twoTeams).text.split('\n');
  const host = lines.findIndex((l) => l.includes('fib daddr type local counter drop'));
  const own = lines.findIndex((l) => l.includes("the team's own apps"));
  const dns = lines.findIndex((l) => l.includes('th dport 53 accept'));
  assert.ok(dns < host && host < own, lines.join('\n'));
});

test('without networks nothing jumps into the rules (an empty nft set would not parse)', () => {
  const { text } = planContainerFirewall({ tableName: 'berth_apps_x', networks: [], otherSubnets: [] });
  assert.doesNotMatch(text, /jump from_apps/);
  assert.doesNotMatch(text, /elements/);
  assert.match(
    text,
    /chain prerouting \{\n\t\ttype filter hook prerouting priority mangle; policy accept;\n\t\}/,
  );
});

const withNetwork = (change: Partial<AppNetworkFacts>): ContainerFirewallInput => ({
  ...twoTeams,
  networks: [{ ...twoTeams.networks[0]!, ...change }],
});

test('values that could change the ruleset are refused, not quoted', () => {
  const hostile: [string, ContainerFirewallInput][] = [
    ['bridge with a quote', withNetwork({ bridge: 'x" accept #' })],
    ['bridge too long for Linux', withNetwork({ bridge: 'bt-0123456789abc' })],
    ['subnet with a rule', withNetwork({ subnet: '10.0.0.0/8 } accept {' })],
    ['subnet with host bits', withNetwork({ subnet: '10.89.0.1/24' })],
    ['subnet out of range', withNetwork({ subnet: '300.1.1.0/24' })],
    ['gateway with text', withNetwork({ gateway: '10.89.0.1; drop' })],
    ['table with a space', { ...twoTeams, tableName: 'berth apps' }],
    ['an IPv6 subnet among the others', { ...twoTeams, otherSubnets: ['::/0'] }],
  ];
  for (const [what, input] of hostile) {
    assert.throws(
      () => planContainerFirewall(input),
      (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
      what,
    );
  }
});

test("a fleet's other servers are out of reach of apps, before a team's own subnet is let through", () => {
  const { text } = planContainerFirewall({ ...twoTeams, fleetPeers: ['10.99.0.3', '10.99.0.2', 'fd00::3'] });
  assert.match(
    text,
    /set fleet_peers \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\telements = \{ 10\.99\.0\.2\/32, 10\.99\.0\.3\/32 \}/,
  );
  const lines = text.split('\n');
  const peers = lines.findIndex((l) => l.includes('ip daddr @fleet_peers counter drop'));
  const own = lines.findIndex((l) => l.includes("the team's own apps"));
  assert.ok(peers > 0 && peers < own, text);
  assert.doesNotMatch(planContainerFirewall(twoTeams).text, /fleet_peers/);
  assert.throws(
    () => planContainerFirewall({ ...twoTeams, fleetPeers: ['10.99.0.3; flush ruleset'] }),
    isBerthError,
  );
});

test('<app>.internal: port 80 of each team gateway is let through and sent to the edge', () => {
  const { text } = planContainerFirewall({ ...twoTeams, internalEdge: { kind: 'redirect', port: 8080 } });
  const lines = text.split('\n');
  const accepts = lines.filter((l) => l.includes('tcp dport 80 accept'));
  assert.deepEqual(accepts, [
    '\t\tiifname "bt-aaaaaaaaaaaa" ip daddr 10.89.0.1 tcp dport 80 accept comment "the edge, for <app>.internal of the team"',
    '\t\tiifname "bt-bbbbbbbbbbbb" ip daddr 10.89.1.1 tcp dport 80 accept comment "the edge, for <app>.internal of the team"',
  ]);
  const host = lines.findIndex((l) => l.includes('fib daddr type local counter drop'));
  assert.ok(lines.findIndex((l) => l.includes('tcp dport 80 accept')) < host, text);
  assert.match(
    text,
    /\tchain internal_names \{\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\tiifname "bt-aaaaaaaaaaaa" ip daddr 10\.89\.0\.1 tcp dport 80 redirect to :8080\n\t\tiifname "bt-bbbbbbbbbbbb" ip daddr 10\.89\.1\.1 tcp dport 80 redirect to :8080\n\t\}\n\}/,
  );
  const dnat = planContainerFirewall({
    ...twoTeams,
    internalEdge: { kind: 'dnat', address: '10.99.9.1', port: 80 },
  }).text;
  assert.match(dnat, /ip daddr 10\.89\.0\.1 tcp dport 80 dnat ip to 10\.99\.9\.1:80\n/);
});

test('without an edge to send it to, or a gateway, no <app>.internal rule is written', () => {
  assert.doesNotMatch(planContainerFirewall(twoTeams).text, /internal|dport 80/);
  const noGateway = planContainerFirewall({
    ...withNetwork({ gateway: null }),
    internalEdge: { kind: 'redirect', port: 80 },
  }).text;
  assert.doesNotMatch(noGateway, /internal_names|dport 80/);
  assert.throws(
    () =>
      planContainerFirewall({
        ...twoTeams,
        internalEdge: { kind: 'dnat', address: '1.2.3.4:9 accept', port: 80 },
      }),
    isBerthError,
  );
  assert.throws(
    () => planContainerFirewall({ ...twoTeams, internalEdge: { kind: 'redirect', port: 0 } }),
    isBerthError,
  );
});

test('the edge is reached by redirect when it listens everywhere, by DNAT on one address, not on loopback', () => {
  assert.deepEqual(toInternalEdge(':80'), { kind: 'redirect', port: 80 });
  assert.deepEqual(toInternalEdge('0.0.0.0:8080'), { kind: 'redirect', port: 8080 });
  assert.deepEqual(toInternalEdge('[::]:80'), { kind: 'redirect', port: 80 });
  assert.deepEqual(toInternalEdge('10.99.9.1:80'), { kind: 'dnat', address: '10.99.9.1', port: 80 });
  for (const off of [
    '127.0.0.1:8080',
    '127.1.2.3:80',
    '[::1]:80',
    'localhost:80',
    ':x',
    '10.0.0.1:70000',
    '80',
  ])
    assert.equal(toInternalEdge(off), null, off);
});
