/**
 * A managed database run by the whole agent, for real: berthd's side resolves the PostgreSQL
 * image (handed to the engine from the shared test builder's base store when missing there, as
 * bootstrapped by `berth images bootstrap --only postgres`: minutes the first time) and pushes
 * the database's workload — `databaseContainerSpec('postgres', …)`, its password sealed to the
 * agent, a volume at /var/lib/berth-db, strategy recreate, hostnames it must not be served on.
 * Beside it, an app of another team, so a second team network (and firewall) exists.
 * Then: healthy by pg_isready, no edge route, `main.db.internal` answered on its team's gateway
 * with the replica's own address (and on the other team's gateway not at all), psql of the same
 * team connects with the URL an app gets, and the other team's container cannot reach the port.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  databaseConnectionUrl,
  databaseContainerSpec,
  toEngineVolumeName,
  generateDatabaseCredentials,
  LABELS,
  parseReplicaLabels,
} from '@berth/core';
import { loadOrCreateIdentity, sealFor } from '@berth/crypto';
import { bootstrapBaseImages, buildQuery, parseDnsResponse } from '@berth/engine';
import {
  agentSecretAad,
  databaseEngineImage,
  databasePrivateHost,
  DesiredState,
  type DesiredApp,
} from '@berth/protocol';
import { startTestBuilder } from '../../../test/support/builder.js';
import { HELLO_V1 } from '../../../test/support/images.js';
import { useAgentUnderTest } from './test-support/agent-under-test.js';

const POSTGRES = databaseEngineImage('postgres');
const id = (prefix: string): string =>
  `${prefix}_${[...randomBytes(20)].map((b) => 'abcdefghijklmnopqrstuvwxyz234567'[b % 32]).join('')}`;

const world = useAgentUnderTest(async ({ dir }) => {
  // The base image as `berth images bootstrap --only postgres` makes it (kept when up to date).
  const builder = await startTestBuilder();
  await builder.base(AbortSignal.timeout(900_000), ({ http }) =>
    bootstrapBaseImages({ http, only: ['postgres'], workDir: join(dir, 'bootstrap') }),
  );
});

/** One A question to a team DNS on its gateway, from the host: the addresses, or `rcode N`. */
async function askA(gateway: string, name: string): Promise<string> {
  const socket = createSocket('udp4');
  try {
    const answer = await new Promise<Buffer>((resolve, reject) => {
      socket.once('message', resolve);
      socket.once('error', reject);
      setTimeout(() => reject(new Error(`no DNS answer from ${gateway}`)), 3000).unref();
      socket.send(buildQuery(9, name, 'A'), 53, gateway);
    });
    const parsed = parseDnsResponse(answer);
    return parsed?.rcode === 0 ? parsed.a.map((r) => r.ip).join(',') : `rcode ${parsed?.rcode}`;
  } finally {
    socket.close();
  }
}

test('a postgres database: healthy by pg_isready, main.db.internal, reachable by its team only', async (t) => {
  const w = world();
  const podman = (args: string[]) =>
    promisify(execFile)('podman', ['--url', `unix://${w.podman.socketPath}`, ...args], { timeout: 120_000 });

  const resolved = await w.side.call({ method: 'image.resolve', params: { ref: POSTGRES } });
  assert.equal(resolved.type, 'rpc.result', JSON.stringify(resolved));
  const imageId = (resolved as { result: { imageId: string } }).result.imageId;

  const credentials = generateDatabaseCredentials((n) => randomBytes(n));
  const spec = databaseContainerSpec('postgres', credentials, 256);
  const { BERTH_DB_PASSWORD: password = '', ...env } = spec.env;
  const identity = await loadOrCreateIdentity(join(w.dir, 'agent'));
  const base = w.desiredApp('db-r1', 1, HELLO_V1);
  const releaseId = id('rel');
  const volumeId = id('vol');
  const db: DesiredApp = {
    ...base,
    appId: id('app'),
    appName: 'db-main',
    replicas: 1,
    strategy: 'recreate',
    hostnames: ['db.example.test'],
    database: {
      name: 'main',
      engine: 'postgres',
      port: spec.port,
      health: { command: spec.health.command, expectOutput: spec.health.expectOutput },
    },
    release: {
      ...base.release,
      id: releaseId,
      image: POSTGRES,
      imageId,
      env,
      secrets: {
        BERTH_DB_PASSWORD: sealFor(
          identity.sealingKey,
          password,
          agentSecretAad(releaseId, 'BERTH_DB_PASSWORD'),
        ),
      },
      command: spec.command,
      port: spec.port,
      health: { type: 'tcp', path: '/', intervalMs: 500, timeoutMs: 120_000, probeTimeoutMs: 5000 },
      limits: { cpu: 1, memoryMiB: spec.memoryMiB, pids: 256 },
      volumes: [{ engineName: toEngineVolumeName(volumeId), volumeId, path: spec.dataDir }],
    },
  };
  const volume = db.release.volumes?.[0]?.engineName ?? '';
  // The replicas go first (berthd's empty state), then the volume they held.
  t.after(async () => {
    w.side.push({ version: 2, apps: [] });
    for (let i = 0; i < 300 && (await w.running()).length > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await podman(['volume', 'rm', volume]).catch(() => undefined);
  });
  const otherTeam = id('tea');
  const other: DesiredApp = {
    ...w.desiredApp('other-r1', 1, HELLO_V1),
    appId: id('app'),
    appName: 'shop',
    teamId: otherTeam,
    hostnames: ['shop.example.test'],
    replicas: 1,
  };
  // As berthd's push is checked by the agent's link: a state it would drop would hang here.
  const state = DesiredState.parse({ version: 1, apps: [db, other] });
  w.side.push(state);
  const outcome = await w.outcomeOf('db-r1', 150_000);
  assert.equal(outcome.phase, 'converged', JSON.stringify(outcome));
  assert.equal((await w.outcomeOf('other-r1')).phase, 'converged');
  assert.deepEqual(
    outcome.replicas.map((r) => r.state),
    ['serving'],
  );

  // No edge route for any of the hostnames it carries.
  const edge = await fetch(`http://127.0.0.1:${w.httpPort}/`, { headers: { host: 'db.example.test' } });
  assert.notEqual(edge.status, 200);

  const containers = await w.engine.list({ [LABELS.agent]: w.agent.id });
  const replica = containers.find(
    (c) => parseReplicaLabels(c.labels)?.appId === db.appId && c.status === 'running',
  );
  assert.ok(replica, 'the database replica runs');
  const networks = await w.engine.listNetworks({ [LABELS.agent]: w.agent.id });
  const net = (team: string) => {
    const n = networks.find((x) => x.labels[LABELS.team] === team);
    assert.ok(n, `the network of ${team}`);
    return { name: n.name, gateway: n.subnets[0]?.gateway ?? '' };
  };
  const own = net(db.teamId ?? '');
  const theirs = net(otherTeam);
  const address = replica.addresses?.[own.name];
  assert.ok(address, JSON.stringify(replica.addresses));

  // The private name, on its team's gateway only (the host asks both: the firewall is for bridges).
  const host = databasePrivateHost('main');
  assert.equal(await askA(own.gateway, host), address);
  assert.equal(await askA(theirs.gateway, host), 'rcode 3');
  assert.equal(await askA(own.gateway, 'db-main.internal'), 'rcode 3', 'the workload is no <app>.internal');

  // psql of the same team, by the name and the URL an app is given (the image is its own client).
  const url = databaseConnectionUrl('postgres', credentials, { host, port: spec.port });
  const psql = await podman([
    'run',
    '--rm',
    '--network',
    own.name,
    '--dns',
    own.gateway,
    '--entrypoint',
    'psql',
    imageId,
    url,
    '-tAc',
    'select 40 + 2',
  ]);
  assert.equal(psql.stdout.trim(), '42');

  // The port by address: open to the team's own containers, closed to another team's.
  // busybox nc: `-e` after the address runs a program once connected, and exits with it.
  const connect = (network: string) =>
    podman([
      'run',
      '--rm',
      '--network',
      network,
      '--entrypoint',
      'nc',
      HELLO_V1,
      '-w',
      '3',
      address,
      String(spec.port),
      '-e',
      'true',
    ]).then(
      () => 'connected',
      () => 'no connection',
    );
  assert.deepEqual([await connect(own.name), await connect(theirs.name)], ['connected', 'no connection']);
});
