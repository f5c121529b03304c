import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildQuery,
  createDockerApiEngine,
  listNftTable,
  parseDnsResponse,
  removeNftTable,
  startInternalDns,
} from '@berth/engine';
import { pino } from 'pino';
import { startTestPodman } from '../../../test/support/podman.js';
import { AppFirewall } from './firewall.js';
import { createTeamBridge, type TeamBridge } from './test-support/team-bridge.js';

function capture(): { log: pino.Logger; lines: () => string[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines: () => out };
}

test('without nft the agent says at start what is left unprotected, and carries on', async () => {
  const { log, lines } = capture();
  const tableName = `berth_test_nonft_${process.pid}`;
  const firewall = new AppFirewall({
    tableName,
    // Never asked: without nft there is nothing to render.
    engine: createDockerApiEngine({ socketPath: '/nonexistent/engine.sock' }),
    log,
    clock: Date.now,
    nft: { nftBin: '/nonexistent/nft' },
  });
  await firewall.start();
  const warning = lines().map((l) => JSON.parse(l) as { level: number; msg: string });
  assert.equal(warning.length, 1);
  assert.equal(warning[0]?.level, 40);
  assert.match(warning[0]?.msg ?? '', /No host firewall for apps \(nft is not installed\)/);
  assert.match(warning[0]?.msg ?? '', /169\.254\.169\.254/);
  assert.match(warning[0]?.msg ?? '', /SMTP/);
  assert.match(warning[0]?.msg ?? '', /apt-get install nftables/);
  await firewall.sync(
    [
      {
        teamId: 'tm_x',
        name: 'berth-t-tm_x',
        bridge: 'bt-x',
        subnet: '10.250.3.0/24',
        gateway: '10.250.3.1',
      },
    ],
    true,
  );
  assert.equal(await listNftTable(tableName), null, 'nothing applied, nothing thrown');
});

test("a team's bridge reaches DNS on its own gateway, over UDP and TCP, and on no other team's gateway", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-fw-dns-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // The agent asks the engine for every other network's subnet: a real one answers.
  const podman = await startTestPodman(join(dir, 'podman'));
  t.after(() => podman.stop());
  const third = 100 + (process.pid % 100);
  const bridges: TeamBridge[] = [];
  t.after(() => Promise.all(bridges.map((b) => b.remove())));
  bridges.push(await createTeamBridge(third), await createTeamBridge(third + 50));
  const [red, blue] = bridges as [TeamBridge, TeamBridge];
  // Each gateway answers its team's one app with itself, on port 53 as in production.
  for (const [team, app] of [
    [red, 'api'],
    [blue, 'shop'],
  ] as const) {
    const dns = await startInternalDns({
      host: team.gateway,
      names: () => ({ gateway: team.gateway, apps: new Set([app]) }),
      resolvers: () => [],
    });
    t.after(() => dns.close());
  }
  const tableName = `berth_test_fwdns_${process.pid}`;
  t.after(() => removeNftTable(tableName));
  const firewall = new AppFirewall({
    tableName,
    engine: createDockerApiEngine({ socketPath: podman.socketPath }),
    log: pino({ level: 'silent' }),
    clock: Date.now,
  });
  await firewall.start();
  await firewall.sync(
    [red, blue].map((b, i) => ({
      teamId: `tm_${i}`,
      name: `berth-t-tm_${i}`,
      bridge: b.bridge,
      subnet: b.subnet,
      gateway: b.gateway,
    })),
    true,
  );
  assert.match((await listNftTable(tableName)) ?? '', /th dport 53 accept/);

  const answerOf = async (from: TeamBridge, proto: 'udp' | 'tcp', gateway: string, name: string) => {
    const raw = await from.askDns(proto, gateway, buildQuery(7, name, 'A'));
    if (raw === null) return 'no answer';
    const parsed = parseDnsResponse(raw);
    return parsed?.rcode === 0 ? parsed.a.map((r) => r.ip).join(',') : `rcode ${parsed?.rcode}`;
  };
  const probes = [
    ['red, own gateway, udp', red, 'udp', red.gateway, 'api.internal', red.gateway],
    ['red, own gateway, tcp', red, 'tcp', red.gateway, 'api.internal', red.gateway],
    ["red, blue's gateway, udp", red, 'udp', blue.gateway, 'shop.internal', 'no answer'],
    ["red, blue's gateway, tcp", red, 'tcp', blue.gateway, 'shop.internal', 'no answer'],
    ['blue, own gateway, tcp', blue, 'tcp', blue.gateway, 'shop.internal', blue.gateway],
    ["blue, red's gateway, tcp", blue, 'tcp', red.gateway, 'api.internal', 'no answer'],
  ] as const;
  const got = await Promise.all(probes.map(([, from, proto, gw, name]) => answerOf(from, proto, gw, name)));
  assert.deepEqual(
    probes.map(([what], i) => `${what}: ${got[i]}`),
    probes.map(([what, , , , , expected]) => `${what}: ${expected}`),
  );
});
