/**
 * The rendered rulesets against the real kernel: both load, replace themselves atomically, list
 * back as rendered, and go away cleanly. (What they block is proven end to end in
 * test/e2e/isolation.e2e.test.ts.)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '@berth/protocol';
import {
  applyNftTable,
  listNftTable,
  planBuildFirewall,
  planContainerFirewall,
  probeNft,
  removeNftTable,
} from '@berth/engine';

const RUN = `${process.pid}x${Date.now().toString(36)}`;
const APPS = `berth_test_apps_${RUN}`;
const BUILDS = `berth_test_builds_${RUN}`;

after(async () => {
  await removeNftTable(APPS);
  await removeNftTable(BUILDS);
});

test('nft is usable here', async () => {
  const probe = await probeNft();
  assert.ok(probe.ok, probe.ok ? '' : probe.reason);
});

test('the container ruleset loads, is replaced whole by the next one, and is removed', async () => {
  const networks = [
    // Interfaces that do not exist match nothing: the rules load without touching real traffic.
    { bridge: 'bt-nft1test', subnet: '10.250.1.0/24', gateway: '10.250.1.1', dnsOnGateway: true },
  ];
  await applyNftTable(planContainerFirewall({ tableName: APPS, networks, otherSubnets: ['10.250.9.0/24'] }));
  const first = await listNftTable(APPS);
  assert.match(first ?? '', /iifname "bt-nft1test" jump from_apps/);
  assert.match(first ?? '', /fib daddr type local counter packets \d+ bytes \d+ drop/);

  const two = [
    ...networks,
    { bridge: 'bt-nft2test', subnet: '10.250.2.0/24', gateway: null, dnsOnGateway: false },
  ];
  await applyNftTable(planContainerFirewall({ tableName: APPS, networks: two, otherSubnets: [] }));
  const second = await listNftTable(APPS);
  assert.match(second ?? '', /iifname \{ "bt-nft1test", "bt-nft2test" \} jump from_apps/);
  assert.doesNotMatch(second ?? '', /10\.250\.9\.0/, 'the old set is gone, not merged');
  assert.equal((second ?? '').match(/chain from_apps/g)?.length, 1);

  await removeNftTable(APPS);
  assert.equal(await listNftTable(APPS), null);
  await removeNftTable(APPS);
});

test('the <app>.internal rules load: a nat chain at dstnat in the same inet table, redirect and DNAT', async () => {
  const networks = [
    { bridge: 'bt-nft1test', subnet: '10.250.1.0/24', gateway: '10.250.1.1', dnsOnGateway: true },
  ];
  for (const internalEdge of [
    { kind: 'redirect', port: 8080 },
    { kind: 'dnat', address: '10.250.9.1', port: 80 },
  ] as const) {
    await applyNftTable(planContainerFirewall({ tableName: APPS, networks, otherSubnets: [], internalEdge }));
    const listed = (await listNftTable(APPS)) ?? '';
    assert.match(listed, /type nat hook prerouting priority dstnat; policy accept;/);
    assert.match(
      listed,
      internalEdge.kind === 'redirect'
        ? /iifname "bt-nft1test" ip daddr 10\.250\.1\.1 tcp dport 80 redirect to :8080/
        : /iifname "bt-nft1test" ip daddr 10\.250\.1\.1 tcp dport 80 dnat ip to 10\.250\.9\.1:80/,
    );
  }
  await removeNftTable(APPS);
  assert.equal(await listNftTable(APPS), null);
});

test('the build ruleset loads in the output hook (fib and skuid there are accepted by this kernel)', async () => {
  await applyNftTable(
    planBuildFirewall({
      tableName: BUILDS,
      // Far above any uid in use: nothing of this host is matched.
      uids: [
        { first: 3_999_000_000, last: 3_999_000_000 },
        { first: 4_000_000_000, last: 4_000_065_535 },
      ],
      containerSubnets: ['10.250.1.0/24'],
    }),
  );
  assert.match(
    (await listNftTable(BUILDS)) ?? '',
    /meta skuid \{ 3999000000, 4000000000-4000065535 \} jump from_builds/,
  );
  await removeNftTable(BUILDS);
  assert.equal(await listNftTable(BUILDS), null);
});

test('a missing nft binary is reported, not thrown', async () => {
  const probe = await probeNft({ nftBin: '/nonexistent/nft' });
  assert.deepEqual(probe, { ok: false, reason: 'nft is not installed' });
  await assert.rejects(
    applyNftTable(planContainerFirewall({ tableName: APPS, networks: [], otherSubnets: [] }), {
      nftBin: '/nonexistent/nft',
    }),
    (err: unknown) => isBerthError(err) && /nft is not installed/.test(err.message),
  );
});
