/**
 * Issue 10's fleet, end to end through the CLI on three servers (network namespaces with their
 * own Podman, test/fleet/support): they join one berthd with one-time tokens (`berth servers
 * add`, `berth agent join`, `berth agent run`), a bad or reused token is refused, an app of 3
 * replicas is spread one per server, every server's edge serves it (and an app of one replica,
 * from wherever it runs, its secret sent only to the server that runs it), a rolling deploy under load
 * through two edges fails no request, a drained server's replica moves to the others with no
 * failed request, a deploy that cannot be placed is refused with the reason, a server frozen
 * for seconds keeps its replicas, with berthd stopped every server serves and an agent replaces
 * a crashed replica on its own, a partitioned server's replicas move and its surplus goes when it
 * heals, and a killed server's replicas serve on the others within seconds (its logs say it is
 * down). berthd runs in the root namespace on the fleet bridge's address (HTTPS with its own
 * CA, which the tokens pin) with `--no-agent`, so the fleet's servers are its only ones; the app
 * asks for `role=app`, the label they join with.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthUnderTest } from '../e2e/support/berth.js';
import { runLoad } from '../e2e/support/load.js';
import { HELLO_V1, HELLO_V2, ensureExampleImages } from '../support/images.js';
import { berthOn, joinAndRunAgent, runAgent, type FleetAgent } from './support/agent.js';
import { useFleet } from './support/fixture.js';
import { httpGet } from './support/http.js';
import type { FleetServer } from './support/server.js';

const APP_HOST = 'web.localhost';
/** The fleet's own subnet (no other fleet of the suite uses it), and the same as a regex. */
const SUBNET_PREFIX = '10.99.11';
const SUBNET_RE = SUBNET_PREFIX.replaceAll('.', '\\.');

describe('a fleet of three servers', () => {
  const fleet = useFleet({
    id: 'j',
    servers: 3,
    // Its own subnet: no two fleets share one, so they never clash on a route.
    subnet: `${SUBNET_PREFIX}.0/24`,
    // On server 1 only: the others get them through the fleet registry berthd runs.
    images: [HELLO_V1, HELLO_V2],
    imagesOn: [1],
    prepare: ensureExampleImages,
  });
  let berth: BerthUnderTest | null = null;
  const b = (): BerthUnderTest => berth as BerthUnderTest;
  const controlUrl = (): string => `https://${fleet().controlIp}:${b().apiPort}`;

  before(async () => {
    berth = await BerthUnderTest.create();
    // Off loopback the API speaks HTTPS with Berth's own CA; the join token pins its key.
    // Only the control plane here (--no-agent): the fleet's servers are the only ones.
    await berth.start(['--api-host', fleet().controlIp, '--no-agent']);
  });
  after(async () => {
    // The agents run in the servers' cgroups: fleet.stop() (after this) kills them with their servers.
    await berth?.destroy();
  });

  const addServer = async (name: string, labels: string[] = []): Promise<string> =>
    (await b().json<{ token: string }>(['servers', 'add', name, ...labels.flatMap((l) => ['--label', l])]))
      .token;

  const servedBy = async (ip: string): Promise<string> => {
    const answer = await httpGet(`http://${ip}:80/`, { host: APP_HOST, timeoutMs: 5_000 });
    return `${answer.status} ${answer.body.trim()}`;
  };

  /** Each server's `berth agent run`, by server name. */
  const agents = new Map<string, FleetAgent>();

  test('three servers join with one-time tokens and come online', async () => {
    for (const s of fleet().servers) {
      const token = await addServer(s.name, ['role=app']);
      agents.set(s.name, await joinAndRunAgent(s, { controlUrl: controlUrl(), token }));
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const listed = await b().json<{ servers: { name: string; status: string; labels: object }[] }>([
        'servers',
        'list',
      ]);
      const online = listed.servers.filter((s) => s.status === 'online').map((s) => s.name);
      if (fleet().servers.every((s) => online.includes(s.name))) {
        assert.deepEqual(
          listed.servers.map((s) => s.name).sort(),
          fleet()
            .servers.map((s) => s.name)
            .sort(),
          'berth up --no-agent runs no server of its own',
        );
        for (const s of fleet().servers)
          assert.deepEqual(listed.servers.find((x) => x.name === s.name)?.labels, { role: 'app' });
        break;
      }
      if (Date.now() > deadline) assert.fail(`not every server came online: ${JSON.stringify(listed)}`);
      await sleep(200);
    }
  });

  test('a made-up token and a used one are refused; nothing joins', async () => {
    const s1 = fleet().server(1);
    const fp = (await addServer('spare')).split('.')[2] ?? '';
    const madeUp = `bj1.${randomBytes(32).toString('base64url')}.${fp}`;
    const token = await addServer('twice');
    const first = await berthOn(s1, [
      'agent',
      'join',
      controlUrl(),
      token,
      '--data-dir',
      `${s1.dir}/twice-1`,
    ]);
    assert.equal(first.code, 0, first.stderr);
    for (const [t, dir] of [
      [madeUp, 'made-up'],
      [token, 'twice-2'],
    ] as const) {
      const r = await berthOn(s1, ['agent', 'join', controlUrl(), t, '--data-dir', `${s1.dir}/${dir}`]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /berthd refused the join token/);
    }
    const listed = await b().json<{ servers: { name: string }[] }>(['servers', 'list']);
    assert.deepEqual(listed.servers.filter((s) => s.name === 'twice').length, 1);
    await b().json(['servers', 'remove', 'twice']);
    await b().json(['servers', 'remove', 'spare']);
  });

  test('3 replicas are spread one per server, and every server serves the app', async () => {
    const created = await b().cli([
      'apps',
      'create',
      'web',
      '--image',
      HELLO_V1,
      '--replicas',
      '3',
      '--constraint',
      'role=app',
    ]);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    const deployed = await b().cli(['deploy', 'web']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    const app = await b().json<{ replicaStatus: { slot: number; server: string; state: string }[] }>([
      'apps',
      'show',
      'web',
    ]);
    assert.deepEqual(
      app.replicaStatus.map((r) => r.server).sort(),
      fleet()
        .servers.map((s) => s.name)
        .sort(),
      JSON.stringify(app.replicaStatus),
    );
    for (const s of fleet().servers) assert.equal(await servedBy(s.ip), '200 hello v1', s.name);
    // Only server 1 held the image: berthd had it pushed to the fleet registry, the others pulled
    // it by digest under the team's own name there.
    assert.match(deployed.stdout + deployed.stderr, /Pushed the image to the fleet registry from s1/);
    // The others pulled it beside their agents' loops, and said so.
    assert.match(
      deployed.stdout + deployed.stderr,
      new RegExp(
        `s[23]: Pulling the image of v1 \\(${SUBNET_RE}\\.254:5000/berth/tm_[a-z2-7]{20}/web@sha256:`,
      ),
    );
    const registry = `${fleet().controlIp}:5000`;
    for (const n of [2, 3]) {
      const listed = await fleet()
        .server(n)
        .podmanCli(['images', '--digests', '--format', '{{.Repository}}@{{.Digest}}']);
      assert.match(
        listed.stdout,
        new RegExp(`^${registry.replace(/\./g, '\\.')}/berth/tm_[a-z2-7]{20}/web@sha256:[a-f0-9]{64}$`, 'm'),
        listed.stdout,
      );
    }
  });

  test('names in the fleet registry are refused: another team’s image cannot be named there', async () => {
    const registry = `${fleet().controlIp}:5000`;
    for (const image of [
      `${registry}/berth/tm_${'a'.repeat(20)}/web@sha256:${'0'.repeat(64)}`,
      `${registry}/berth/tm_${'a'.repeat(20)}/web:latest`,
      `${registry}/anything:1`,
    ]) {
      const r = await b().cli(['apps', 'create', 'steal', '--image', image, '--json']);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /IMAGE_NOT_ALLOWED|fleet's own registry/);
    }
    const listed = await b().json<{ name: string }[]>(['apps', 'list']);
    assert.equal(listed.filter((a) => a.name === 'steal').length, 0);
  });

  test('every server’s edge serves an app wherever its one replica runs', async () => {
    // Placed on s3, which does not hold localhost/hello:1 by that name: berthd finds it on s1.
    await b().json(['servers', 'label', 's3', 'spot=one']);
    const created = await b().cli(['apps', 'create', 'one', '--image', HELLO_V1, '--constraint', 'spot=one']);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    const secret = `s3cret-${randomBytes(6).toString('hex')}`;
    const set = await b().cli(['secrets', 'set', 'one', `ONE_ONLY_TOKEN=${secret}`]);
    assert.equal(set.code, 0, set.stdout + set.stderr);
    const deployed = await b().cli(['deploy', 'one']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    const shown = await b().json<{ replicaStatus: { name: string; server: string }[] }>([
      'apps',
      'show',
      'one',
    ]);
    assert.equal(shown.replicaStatus.length, 1, JSON.stringify(shown));
    assert.equal(shown.replicaStatus[0]?.server, 's3', JSON.stringify(shown));
    // Found on s1 by its name; pushed by whichever server holds its id (s3 pulled it for web).
    assert.match(
      deployed.stdout + deployed.stderr,
      /Image localhost\/hello:1 is sha256:[0-9a-f]{12} \(found on s1\)/,
    );
    assert.match(deployed.stdout + deployed.stderr, /Pushed the image to the fleet registry from s[123]/);
    // Free to move again, for the scenarios after this one (drain, kill).
    await b().json(['apps', 'update', 'one', '--clear-constraints']);
    await b().json(['servers', 'label', 's3', 'spot-']);
    // Its secret reaches the server that runs it, and no other: not even its name is sent there.
    const [runs] = shown.replicaStatus;
    for (const s of fleet().servers) {
      if (s.name === runs?.server) {
        const env = await s.podmanCli(['exec', runs.name, 'sh', '-c', 'echo "$ONE_ONLY_TOKEN"']);
        assert.equal(env.stdout.trim(), secret, env.stderr);
      } else {
        const agentDir = join(s.dir, 'agent');
        // The agent's cached desired state is in there: the grep below must look at something.
        const cached = await s.exec('find', [agentDir, '-name', 'state.json', '-size', '+0']);
        assert.match(cached.stdout, /state\.json/, `no cached desired state under ${agentDir}`);
        const found = await s.exec('grep', ['-rl', 'ONE_ONLY_TOKEN', agentDir]);
        assert.equal(found.stdout.trim(), '', `${s.name} was sent the secret of an app it does not run`);
      }
    }
    // The edges without the replica learn where it serves through berthd: eventually, not at once.
    const deadline = Date.now() + 30_000;
    for (const s of fleet().servers) {
      for (;;) {
        const answer = await httpGet(`http://${s.ip}:80/`, { host: 'one.localhost', timeoutMs: 5_000 });
        if (answer.status === 200) {
          assert.equal(answer.body.trim(), 'hello v1');
          break;
        }
        assert.ok(Date.now() < deadline, `${s.name} does not serve one: ${answer.status} ${answer.body}`);
        await sleep(200);
      }
    }
    const deleted = await b().cli(['apps', 'delete', 'one', '--yes']);
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr);
  });

  test('replicas are on the WireGuard mesh only: another server reaches them through it, an app cannot', async () => {
    const [s1, s2] = [fleet().server(1), fleet().server(2)];
    // Every server has the other two as peers, and has shaken hands with them.
    for (const s of fleet().servers) {
      const dump = await s.exec('wg', ['show', s.meshInterface, 'dump']);
      assert.equal(dump.code, 0, `${s.name}: ${dump.stderr}`);
      const peers = dump.stdout.trim().split('\n').slice(1);
      assert.equal(peers.length, 2, `${s.name}: ${dump.stdout}`);
      for (const peer of peers) {
        const [, , endpoint, allowed, handshake] = peer.split('\t');
        assert.match(allowed ?? '', /^10\.210\.0\.\d+\/32$/, peer);
        assert.match(endpoint ?? '', new RegExp(`^${SUBNET_RE}\\.\\d+:51820$`), peer);
        assert.notEqual(handshake, '0', `${s.name} never shook hands with ${allowed}`);
      }
    }
    const ps = await s2.podmanCli(['ps', '--format', '{{.Names}} {{.Ports}}']);
    const published = /^(berth-web-\S+) (10\.210\.0\.\d+):(\d+)->8080\/tcp$/m.exec(ps.stdout);
    assert.ok(published, `not published on a mesh address: ${ps.stdout}`);
    const [, , meshIp, port] = published;
    const onMesh = `http://${meshIp}:${port}/`;
    // Another server (as its edge does) reaches it through the tunnel.
    const fromS1 = await s1.exec('curl', ['-sS', '-m', '5', '-H', `Host: ${APP_HOST}`, onMesh]);
    assert.equal(fromS1.stdout.trim(), 'hello v1', fromS1.stderr);
    // Nothing on the private network does: the port is not published there.
    await assert.rejects(
      httpGet(`http://${s2.ip}:${port}/`, { host: APP_HOST, timeoutMs: 3_000 }),
      (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
    );
    // An app on s1 reaches neither the mesh address nor the private one.
    const local = await s1.podmanCli(['ps', '--format', '{{.Names}}']);
    const replica = local.stdout.split('\n').find((n) => n.startsWith('berth-web-'));
    assert.ok(replica, local.stdout);
    for (const target of [onMesh, `http://${s2.ip}:80/`]) {
      const reached = await s1.podmanCli(['exec', replica, 'wget', '-q', '-T', '3', '-O', '-', target]);
      assert.notEqual(reached.code, 0, `an app on ${s1.name} reached ${target}: ${reached.stdout}`);
      assert.doesNotMatch(reached.stdout, /hello/);
    }
  });

  test('a rolling deploy under load through two edges fails no request', async () => {
    const [s1, s2] = [fleet().server(1), fleet().server(2)];
    const deploy = b().cli(['deploy', 'web', '--image', HELLO_V2]);
    const loads = [s1, s2].map((s) =>
      runLoad({
        address: s.ip,
        port: 80,
        host: APP_HOST,
        concurrency: 2,
        until: deploy,
        minRequests: 50,
        maxMs: 120_000,
        keepAlive: true,
      }),
    );
    const [r, ...results] = await Promise.all([deploy, ...loads]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const result of results) {
      assert.equal(result.errors + result.non2xx, 0, JSON.stringify(result));
      assert.ok((result.bodies['hello v2'] ?? 0) > 0, JSON.stringify(result.bodies));
    }
    for (const s of fleet().servers) assert.equal(await servedBy(s.ip), '200 hello v2', s.name);
  });

  test("drain: the drained server's replica moves to the others by a rolling deploy, no request fails", async () => {
    const [s1, s2, s3] = [fleet().server(1), fleet().server(2), fleet().server(3)];
    type Shown = { replicaStatus: { server: string; state: string }[] };
    const show = (): Promise<Shown> => b().json<Shown>(['apps', 'show', 'web']);
    const moved = (async () => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const { replicaStatus } = await show();
        const serving = replicaStatus.filter((r) => r.state === 'serving');
        if (serving.length === 3 && replicaStatus.every((r) => r.server !== s3.name)) return replicaStatus;
        if (Date.now() > deadline)
          throw new Error(`the replica never left ${s3.name}: ${JSON.stringify(replicaStatus)}`);
        await sleep(250);
      }
    })();
    const loads = [s1, s2].map((s) =>
      runLoad({
        address: s.ip,
        port: 80,
        host: APP_HOST,
        concurrency: 2,
        until: moved,
        minRequests: 50,
        maxMs: 120_000,
        keepAlive: true,
      }),
    );
    const drained = await b().cli(['servers', 'drain', s3.name]);
    assert.equal(drained.code, 0, drained.stdout + drained.stderr);
    const [replicas, ...results] = await Promise.all([moved, ...loads]);
    assert.deepEqual(
      [...new Set(replicas.map((r) => r.server))].sort(),
      [s1.name, s2.name].sort(),
      JSON.stringify(replicas),
    );
    for (const result of results) assert.equal(result.errors + result.non2xx, 0, JSON.stringify(result));
    const undrained = await b().cli(['servers', 'undrain', s3.name]);
    assert.equal(undrained.code, 0, undrained.stdout + undrained.stderr);
  });

  test('a deploy no server can take is refused with the reason, and nothing changes', async () => {
    const r = await b().cli(['apps', 'update', 'web', '--constraint', 'zone=mars']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const d = await b().cli(['deploy', 'web']);
    assert.notEqual(d.code, 0);
    assert.match(d.stderr, /zone=mars/);
    // Servers 1 and 2 run the replicas since the drain (edges route to their own replicas only, for now).
    for (const s of [fleet().server(1), fleet().server(2)])
      assert.equal(await servedBy(s.ip), '200 hello v2', s.name);
    const back = await b().cli(['apps', 'update', 'web', '--constraint', 'role=app']);
    assert.equal(back.code, 0, back.stdout + back.stderr);
  });

  test('a server frozen for a few seconds (slow, not dead) keeps its replicas: no flapping', async () => {
    type Shown = { replicaStatus: { name: string; server: string }[] };
    const where = async (): Promise<string[]> =>
      (await b().json<Shown>(['apps', 'show', 'web'])).replicaStatus
        .map((r) => `${r.name}@${r.server}`)
        .sort();
    const before = await where();
    const slow = fleet().server(2);
    await slow.freeze();
    await sleep(3_000);
    await slow.thaw();
    // Longer than placement's suspect window would take to act, had the server been counted down.
    await sleep(9_000);
    assert.deepEqual(await where(), before);
    const kinds = (await b().json<{ kind: string }[]>(['deployments', 'list', 'web'])).map((d) => d.kind);
    assert.equal(kinds.filter((k) => k === 'move').length, 1, `only the drain moved: ${kinds.join(',')}`);
  });

  test('berthd down: every server keeps serving, and an agent replaces a crashed replica on its own', async () => {
    type Shown = { replicaStatus: { name: string; server: string; state: string }[] };
    const before = (await b().json<Shown>(['apps', 'show', 'web'])).replicaStatus;
    const victim = before[0]!;
    const server = fleet().servers.find((s) => s.name === victim.server)!;
    const running = new Set(before.map((r) => r.server));
    const berthd = await b().pid('berthd');
    process.kill(berthd, 'SIGSTOP');
    try {
      const killed = await server.podmanCli(['kill', victim.name]);
      assert.equal(killed.code, 0, killed.stderr);
      // Its agent sees the replica exited and starts a new one from its cached desired state.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ps = await server.podmanCli(['ps', '--format', '{{.Names}}']);
        const names = ps.stdout.split('\n').filter((n) => n.startsWith('berth-web-'));
        const replaced = names.length > 0 && !names.includes(victim.name);
        if (replaced && (await servedBy(server.ip).catch(() => '')) === '200 hello v2') break;
        assert.ok(Date.now() < deadline, `no new replica on ${server.name}: ${ps.stdout}`);
        await sleep(250);
      }
      for (const s of fleet().servers.filter((x) => running.has(x.name)))
        assert.equal(await servedBy(s.ip), '200 hello v2', `${s.name} serves while berthd is stopped`);
    } finally {
      process.kill(berthd, 'SIGCONT');
    }
    // Back: the links come again (berthd ended the ones silent while it was stopped) and nothing moves.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const now = (await b().json<Shown>(['apps', 'show', 'web'])).replicaStatus;
      const servers = now.filter((r) => r.state === 'serving').map((r) => r.server);
      if (servers.length === 3) {
        assert.deepEqual(servers.sort(), before.map((r) => r.server).sort());
        break;
      }
      assert.ok(Date.now() < deadline, `not back to 3 serving: ${JSON.stringify(now)}`);
      await sleep(250);
    }
    const kinds = (await b().json<{ kind: string }[]>(['deployments', 'list', 'web'])).map((d) => d.kind);
    assert.equal(kinds.filter((k) => k === 'move').length, 1, `only the drain moved: ${kinds.join(',')}`);
  });

  test('berthd killed and restarted: the servers reconnect and nothing moves', async () => {
    type Shown = { replicaStatus: { server: string; state: string }[] };
    const serving = async (): Promise<string[]> =>
      (await b().json<Shown>(['apps', 'show', 'web'])).replicaStatus
        .filter((r) => r.state === 'serving')
        .map((r) => r.server)
        .sort();
    const before = await serving();
    const pid = await b().pid('berthd');
    process.kill(pid, 'SIGKILL');
    await b().waitForRestart('berthd', pid);
    const deadline = Date.now() + 30_000;
    while ((await serving()).length < 3) {
      assert.ok(Date.now() < deadline, 'the servers did not reconnect');
      await sleep(250);
    }
    // The agents' last reports are minutes old: they must not count as down on reconnecting.
    await sleep(3_000);
    assert.deepEqual(await serving(), before);
    const kinds = (await b().json<{ kind: string }[]>(['deployments', 'list', 'web'])).map((d) => d.kind);
    assert.equal(kinds.filter((k) => k === 'move').length, 1, `only the drain moved: ${kinds.join(',')}`);
  });

  test('partition and heal: the cut-off server’s replicas serve elsewhere; healed, its surplus goes and nothing healthy stops', async () => {
    type Shown = { replicaStatus: { name: string; server: string; state: string }[] };
    const shown = async (): Promise<Shown['replicaStatus']> =>
      (await b().json<Shown>(['apps', 'show', 'web'])).replicaStatus;
    const webContainers = async (s: FleetServer): Promise<string[]> => {
      const ps = await s.podmanCli(['ps', '--format', '{{.ID}} {{.Names}}', '--no-trunc']);
      assert.equal(ps.code, 0, ps.stderr);
      return ps.stdout
        .split('\n')
        .filter((l) => l.includes(' berth-web-'))
        .map((l) => l.split(' ')[0]!);
    };
    const before = await shown();
    const cut = fleet().servers.find((s) => before.some((r) => r.server === s.name))!;
    const others = fleet().servers.filter((s) => s !== cut);
    // The healthy replicas elsewhere, by container id: none of them may be stopped by the heal.
    const healthyElsewhere = (await Promise.all(others.map(webContainers))).flat();
    await cut.partition();
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const now = await shown();
        if (now.filter((r) => r.state === 'serving' && r.server !== cut.name).length === 3) break;
        assert.ok(Date.now() < deadline, `not moved off ${cut.name}: ${JSON.stringify(now)}`);
        await sleep(250);
      }
      // Cut off, its agent keeps its replicas (it cannot tell a partition from berthd's death).
      assert.ok((await webContainers(cut)).length > 0, `${cut.name} stopped its replicas while cut off`);
    } finally {
      await cut.heal();
    }
    // Healed: it reconnects, learns its slots are gone and removes its surplus; the others keep theirs.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const onCut = await webContainers(cut);
      const now = await shown();
      const serving = now.filter((r) => r.state === 'serving');
      if (onCut.length === 0 && serving.length === 3 && now.length === 3) break;
      assert.ok(
        Date.now() < deadline,
        `after the heal: ${onCut.length} left on ${cut.name}; ${JSON.stringify(now)}`,
      );
      await sleep(250);
    }
    const elsewhere = (await Promise.all(others.map(webContainers))).flat();
    for (const id of healthyElsewhere) assert.ok(elsewhere.includes(id), `healthy replica ${id} was stopped`);
    assert.equal(elsewhere.length, 3, 'no duplicate surplus');
    // Every edge serves, the healed one (no replica any more) from the others' replicas.
    for (const s of fleet().servers) assert.equal(await servedBy(s.ip), '200 hello v2', `${s.name} serves`);
  });

  test('a server back with another key is paused until an admin approves it, then serves again', async () => {
    type Listed = { servers: { name: string; state: string; status: string; pendingKey: boolean }[] };
    type Shown = { replicaStatus: { state: string; server: string }[] };
    const before = (await b().json<Shown>(['apps', 'show', 'web'])).replicaStatus;
    // The server with the most of web's replicas, so the pause moves some.
    const rekeyed = [...fleet().servers].sort(
      (x, y) =>
        before.filter((r) => r.server === y.name).length - before.filter((r) => r.server === x.name).length,
    )[0]!;
    assert.ok(
      before.some((r) => r.server === rekeyed.name),
      JSON.stringify(before),
    );
    const server = async (): Promise<Listed['servers'][number] | undefined> =>
      (await b().json<Listed>(['servers', 'list'])).servers.find((s) => s.name === rekeyed.name);
    const agent = agents.get(rekeyed.name)!;
    // Its agent stops (app containers keep running) and its key file is lost: it comes back with a new key.
    const exited = new Promise((resolve) => agent.process.once('exit', resolve));
    agent.process.kill('SIGTERM');
    await exited;
    await rename(
      join(agent.dataDir, 'agent', 'identity.key'),
      join(agent.dataDir, 'agent', 'identity.key.lost'),
    );
    agents.set(rekeyed.name, runAgent(rekeyed, agent.dataDir));
    let deadline = Date.now() + 60_000;
    for (;;) {
      const now = await server();
      if (now?.state === 'paused' && now.pendingKey && now.status === 'offline') break;
      assert.ok(Date.now() < deadline, `not paused for its new key: ${JSON.stringify(now)}`);
      await sleep(250);
    }
    // Away and paused, its replicas serve on the others meanwhile.
    deadline = Date.now() + 60_000;
    for (;;) {
      const web = (await b().json<Shown>(['apps', 'show', 'web'])).replicaStatus;
      if (web.filter((r) => r.state === 'serving' && r.server !== rekeyed.name).length === 3) break;
      assert.ok(Date.now() < deadline, `not moved off the paused ${rekeyed.name}: ${JSON.stringify(web)}`);
      await sleep(250);
    }
    const approved = await b().cli(['servers', 'approve', rekeyed.name]);
    assert.equal(approved.code, 0, approved.stdout + approved.stderr);
    deadline = Date.now() + 60_000;
    for (;;) {
      const now = await server();
      const web = (await b().json<{ replicaStatus: { state: string }[] }>(['apps', 'show', 'web']))
        .replicaStatus;
      if (
        now?.state === 'active' &&
        now.status === 'online' &&
        web.filter((r) => r.state === 'serving').length === 3
      )
        break;
      assert.ok(
        Date.now() < deadline,
        `not back after approval: ${JSON.stringify(now)} ${JSON.stringify(web)}`,
      );
      await sleep(250);
    }
    for (const s of fleet().servers) assert.equal(await servedBy(s.ip), '200 hello v2', `${s.name} serves`);
  });

  test('a server killed (processes, containers, link): its replicas serve on the others within seconds', async () => {
    type Shown = { replicaStatus: { server: string; state: string }[] };
    const before = (await b().json<Shown>(['apps', 'show', 'web'])).replicaStatus;
    // The server running the most replicas (drain left one with two), so the test moves the most.
    const counts = fleet().servers.map((s) => ({ s, n: before.filter((r) => r.server === s.name).length }));
    const victim = counts.sort((x, y) => y.n - x.n)[0]!.s;
    const survivors = fleet().servers.filter((s) => s !== victim);
    const started = performance.now();
    await victim.kill();
    let elapsedMs = 0;
    for (;;) {
      const now = (await b().json<Shown>(['apps', 'show', 'web'])).replicaStatus;
      const serving = now.filter((r) => r.state === 'serving' && r.server !== victim.name);
      if (serving.length === 3) {
        const answers = await Promise.all(survivors.map((s) => servedBy(s.ip).catch(() => 'no answer')));
        if (answers.every((a) => a === '200 hello v2')) {
          elapsedMs = performance.now() - started;
          break;
        }
      }
      assert.ok(performance.now() - started < 60_000, `not rescheduled: ${JSON.stringify(now)}`);
      await sleep(250);
    }
    console.log(`# killed ${victim.name}: its replicas serve elsewhere after ${Math.round(elapsedMs)} ms`);
    // The target is 20 s (issue 10); the bound here leaves room for a loaded CI machine.
    assert.ok(elapsedMs < 40_000, `took ${Math.round(elapsedMs)} ms`);
    // Its replicas' logs cannot be read: `berth logs` says so, and shows the others' lines.
    const logs = await b().cli(['logs', 'web', '--tail', '5']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(
      logs.stderr,
      new RegExp(`berth: server ${victim.name} is not connected \\(no word from its agent since `),
    );
    assert.match(logs.stdout, /^berth-web-v\d+-\w+-\d+ \| /m);
  });
});
