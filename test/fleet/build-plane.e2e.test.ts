/**
 * Issue 10's build plane, end to end through the CLI on two servers (network namespaces with their
 * own Podman, test/fleet/support): s1 joins labelled `role=build`, s2 `role=app`. `berth images
 * bootstrap` and a build from an uploaded directory run on s1, in the build sandbox of s1's agent;
 * the app's replica runs on s2 only (a build server runs no replicas while the fleet has others);
 * s1 pushes the built image to an external registry (`berth up --registry URL`: a docker-registry
 * this test runs, with its own login, standing in for one the operator runs) and s2 pulls it by
 * digest; both servers' edges serve the app. berthd runs in the root namespace on the fleet
 * bridge's address with `--no-agent`. The agents share the test run's builder dir (test/support/builder.ts), where the
 * base images already are once any build test has run: the bootstrap then only finds them up to date.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry, type RunningRegistry } from '@berth/engine';
import type { Build, Deployment } from '@berth/protocol';
import { BerthUnderTest } from '../e2e/support/berth.js';
import { joinAndRunAgent, type FleetAgent } from './support/agent.js';
import { useFleet } from './support/fixture.js';
import { httpGet } from './support/http.js';
import { edgeInflight } from './support/edge.js';

const APP = 'site';
const BODY = 'built on the build plane';

describe('a fleet with a build server and an app server', () => {
  const fleet = useFleet({ id: 'k', servers: 2, subnet: '10.99.8.0/24' });
  let berth: BerthUnderTest | null = null;
  let root = '';
  const b = (): BerthUnderTest => berth as BerthUnderTest;
  const controlUrl = (): string => `https://${fleet().controlIp}:${b().apiPort}`;

  let external: RunningRegistry | null = null;
  const externalUrl = (): string => `http://${fleet().controlIp}:5002/acme/fleet`;

  /** Each server's `berth agent run`, by server name. */
  const agents = new Map<string, FleetAgent>();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-fleet-build-'));
    const login = { name: 'fleet-ci', password: randomBytes(24).toString('base64url') };
    external = await startRegistry({
      dataDir: join(root, 'external-registry'),
      listen: `${fleet().controlIp}:5002`,
      users: [login],
    });
    const passwordFile = join(root, 'registry-password');
    await writeFile(passwordFile, `${login.password}\n`, { mode: 0o600 });
    berth = await BerthUnderTest.create();
    await berth.start([
      ...['--api-host', fleet().controlIp, '--no-agent'],
      ...['--registry', externalUrl(), '--registry-username', login.name],
      ...['--registry-password-file', passwordFile],
    ]);
  });
  after(async () => {
    await berth?.destroy();
    await external?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('s1 joins for builds, s2 for apps, and both come online', async () => {
    for (const [s, role] of [
      [fleet().server(1), 'build'],
      [fleet().server(2), 'app'],
    ] as const) {
      const { token } = await b().json<{ token: string }>([
        'servers',
        'add',
        s.name,
        '--label',
        `role=${role}`,
      ]);
      agents.set(s.name, await joinAndRunAgent(s, { controlUrl: controlUrl(), token }));
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const listed = await b().json<{ servers: { name: string; status: string }[] }>(['servers', 'list']);
      const online = listed.servers.filter((s) => s.status === 'online').map((s) => s.name);
      if (online.includes('s1') && online.includes('s2')) break;
      if (Date.now() > deadline) assert.fail(`not every server came online: ${JSON.stringify(listed)}`);
      await sleep(200);
    }
  });

  test('images bootstrap runs on the build server', async () => {
    const boot = await b().cli(['images', 'bootstrap', '--only', 'static']);
    assert.equal(boot.code, 0, boot.stdout + boot.stderr);
    assert.match(boot.stdout, /│ Base images on s1, where builds run$/m, boot.stdout);
    assert.match(
      boot.stdout,
      /^static\s+localhost\/berth\/base-static:bookworm\s+(built|up-to-date)\s/m,
      boot.stdout,
    );
  });

  test('an app built from source: built on s1, pushed to the external registry, run on s2, served by both edges', async () => {
    const dir = join(root, APP);
    await mkdir(dir);
    await writeFile(join(dir, 'page.txt'), `${BODY}\n`);
    await writeFile(
      join(dir, 'Dockerfile'),
      [
        'FROM localhost/berth/base-static:bookworm',
        'COPY page.txt /www/index.html',
        'ENTRYPOINT ["/bin/sh", "-c", "exec httpd -f -p \\"$PORT\\" -h /www"]',
        '',
      ].join('\n'),
    );
    const created = await b().cli(['apps', 'create', APP, '--replicas', '1']);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    const deployed = await b().cli(['deploy', APP, '--from-dir', dir]);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);

    const [build] = await b().json<Build[]>(['builds', APP]);
    assert.equal(build?.status, 'succeeded', JSON.stringify(build));
    assert.equal(build.trigger, 'upload');
    // The build's image is in the build server's engine, and only there.
    const local = (n: number) =>
      fleet().server(n).podmanCli(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.match((await local(1)).stdout, new RegExp(`^${build.image}$`, 'm'));
    assert.doesNotMatch((await local(2)).stdout, new RegExp(`^localhost/berth/${APP}:`, 'm'));

    // Its one replica runs on the app server: a build server runs none while the fleet has others.
    const shown = await b().json<{ replicaStatus: { server: string; state: string }[] }>([
      'apps',
      'show',
      APP,
    ]);
    assert.deepEqual(
      shown.replicaStatus.map((r) => r.server),
      ['s2'],
      JSON.stringify(shown.replicaStatus),
    );

    // s1 pushed it to the external registry, under the namespace it was given; s2 pulled it by
    // digest under the team's name there.
    const deployments = await b().json<Deployment[]>(['deployments', 'list', APP]);
    const events = await b().json<{ events: { message: string }[] }>([
      'deployments',
      'show',
      deployments[0]?.id ?? '',
    ]);
    const messages = events.events.map((e) => e.message);
    assert.ok(
      messages.some((m) => m.startsWith(`Built ${build.image} on s1 from `)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.startsWith('Pushed the image to the fleet registry from s1')),
      messages.join('\n'),
    );
    const registry = `${fleet().controlIp}:5002/acme/fleet`.replace(/\./g, '\\.');
    const digests = await fleet()
      .server(2)
      .podmanCli(['images', '--digests', '--format', '{{.Repository}}@{{.Digest}}']);
    assert.match(
      digests.stdout,
      new RegExp(`^${registry}/berth/tm_[a-z2-7]{20}/${APP}@sha256:[a-f0-9]{64}$`, 'm'),
      digests.stdout,
    );

    // Every edge serves it: s2 from its own replica, s1 through the mesh to s2's.
    const deadline = Date.now() + 30_000;
    for (const s of fleet().servers) {
      for (;;) {
        const answer = await httpGet(`http://${s.ip}:80/`, { host: `${APP}.localhost`, timeoutMs: 5_000 });
        if (answer.status === 200) {
          assert.equal(answer.body.trim(), BODY, s.name);
          break;
        }
        assert.ok(Date.now() < deadline, `${s.name} does not serve ${APP}: ${answer.status} ${answer.body}`);
        await sleep(200);
      }
    }
  });
  test('a request in flight through another server’s edge completes across a restart: the replica waits for every edge', async () => {
    const [s1, s2] = [fleet().server(1), fleet().server(2)];
    const running = async (): Promise<string[]> =>
      (await s2.podmanCli(['ps', '--format', '{{.Names}}'])).stdout
        .split('\n')
        .filter((n) => n.startsWith(`berth-${APP}-`));
    const [old] = await running();
    assert.ok(old, 'no replica of the app runs on s2');
    const s1Edge = (): Promise<number> => edgeInflight(agents.get(s1.name)?.dataDir ?? '', old);
    // httpd is the container's first process: stopped, it answers nothing, so the request that
    // s1's edge sends it through the mesh (s1 runs no replica) stays in flight.
    const pid = Number((await s2.podmanCli(['inspect', '--format', '{{.State.Pid}}', old])).stdout.trim());
    assert.ok(pid > 1, `no pid for ${old}`);
    process.kill(pid, 'SIGSTOP');
    let slow: Promise<{ status: number; body: string }> | null = null;
    let restart: ReturnType<BerthUnderTest['cli']> | null = null;
    try {
      slow = httpGet(`http://${s1.ip}:80/`, { host: `${APP}.localhost`, timeoutMs: 120_000 });
      slow.catch(() => undefined);
      await poll('s1’s edge never had the request in flight', async () => (await s1Edge()) > 0);
      restart = b().cli(['restart', APP]);
      restart.catch(() => undefined);
      // The new replica serves, the old one has left s2's own edge (which has nothing in flight to
      // it) and, pushed by berthd, s1's edge…
      type Shown = { replicaStatus: { name: string; state: string }[] };
      const stateOfOld = async (): Promise<string> => {
        const { replicaStatus } = await b().json<Shown>(['apps', 'show', APP]);
        const replaced = replicaStatus.some((r) => r.name !== old && r.state === 'serving');
        const was = replicaStatus.find((r) => r.name === old)?.state ?? 'gone';
        return replaced ? was : 'not replaced yet';
      };
      await poll(
        `the restart never replaced ${old}`,
        async () => (await stateOfOld()) !== 'not replaced yet',
      );
      // …yet s2 keeps it draining, many times past an edge's settle time (0.2 s), while s1's edge
      // still has the request in flight to it.
      const heldSince = Date.now();
      while (Date.now() - heldSince < 3_000) {
        const state = await stateOfOld();
        assert.equal(state, 'draining', `${old} is ${state} with a request in flight at s1’s edge`);
        await sleep(250);
      }
      assert.equal(await s1Edge(), 1);
    } finally {
      continueIfThere(pid);
    }
    const answer = await slow;
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.body.trim(), BODY);
    // Let go by every edge, it is stopped and the restart completes.
    const restarted = await restart;
    assert.equal(restarted?.code, 0, `${restarted?.stdout}${restarted?.stderr}`);
    await poll(`${old} was never stopped`, async () => !(await running()).includes(old));
  });

  test("names under the external registry's namespace are Berth's: refused as input, nothing written", async () => {
    const refused = await b().cli([
      'apps',
      'create',
      'sneaky',
      '--image',
      `${externalUrl().replace('http://', '')}/berth/tm_abcdefghijklmnopqrst/site:1`,
    ]);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /names the fleet's own registry/);
    const apps = await b().json<{ name: string }[]>(['apps', 'list']);
    assert.ok(!apps.some((a) => a.name === 'sneaky'), JSON.stringify(apps));
    // berthd runs no registry of its own beside yours.
    await assert.rejects(
      httpGet(`http://${fleet().controlIp}:5000/v2/`, { timeoutMs: 3_000 }),
      (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
    );
  });
});

/** Polls `done` every 100 ms; fails with `what` after 60 s. */
async function poll(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    assert.ok(Date.now() < deadline, what);
    await sleep(100);
  }
}

/** Resumes a stopped process, unless it is already gone (killed by the stop this test guards against). */
function continueIfThere(pid: number): void {
  try {
    process.kill(pid, 'SIGCONT');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
