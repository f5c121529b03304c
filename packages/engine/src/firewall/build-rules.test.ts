import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '@berth/protocol';
import { planBuildFirewall } from './build-rules.js';

test('a uid range: output of its sockets reaches neither the host (but DNS), apps, metadata nor SMTP', () => {
  const { text } = planBuildFirewall({
    tableName: 'berth_build_0123456789abcdef',
    uids: [{ first: 100_000, last: 165_535 }],
    containerSubnets: ['10.89.1.0/24', '10.88.0.0/16'],
  });
  assert.equal(
    text,
    `# Berth: what builds may reach. Rendered by planBuildFirewall; replaced whole, never edited.
table inet berth_build_0123456789abcdef
delete table inet berth_build_0123456789abcdef
table inet berth_build_0123456789abcdef {
\tset container_subnets {
\t\ttype ipv4_addr
\t\tflags interval
\t\tauto-merge
\t\telements = { 10.88.0.0/16, 10.89.1.0/24 }
\t}

\tchain output {
\t\ttype filter hook output priority filter; policy accept;
\t\tmeta skuid 100000-165535 jump from_builds
\t}

\tchain from_builds {
\t\tct state established,related accept
\t\tfib daddr type local meta l4proto { tcp, udp } th dport 53 accept comment "DNS of the host resolver"
\t\tfib daddr type local counter drop comment "the host itself: berthd, the agent, the engine, any local port"
\t\tip daddr 169.254.0.0/16 counter drop comment "cloud metadata and link-local"
\t\tip6 daddr fd00:ec2::254 counter drop comment "cloud metadata over IPv6"
\t\tip daddr @container_subnets counter drop comment "app containers"
\t\ttcp dport { 25, 465, 587 } counter drop comment "outbound SMTP"
\t}
}
`,
  );
});

test('one uid is matched alone; an empty or impossible range is refused', () => {
  const one = planBuildFirewall({ tableName: 'b', uids: [{ first: 998, last: 998 }], containerSubnets: [] });
  assert.match(one.text, /\tmeta skuid 998 jump from_builds\n/);
  const two = planBuildFirewall({
    tableName: 'b',
    uids: [
      { first: 995, last: 995 },
      { first: 100_000, last: 165_535 },
    ],
    containerSubnets: [],
  });
  assert.match(two.text, /\tmeta skuid \{ 995, 100000-165535 \} jump from_builds\n/);
  assert.throws(() => planBuildFirewall({ tableName: 'b', uids: [], containerSubnets: [] }), {
    code: 'VALIDATION_FAILED',
    message: /needs the uids of the build user/,
  });
  for (const uids of [
    { first: 10, last: 9 },
    { first: -1, last: 5 },
    { first: 1.5, last: 2 },
    { first: 0, last: 2 ** 32 },
  ]) {
    assert.throws(
      () => planBuildFirewall({ tableName: 'b', uids: [uids], containerSubnets: [] }),
      (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
      JSON.stringify(uids),
    );
  }
});
