/**
 * App containers in their box, through `berth up` as a person drives it: two teams' apps on
 * their own networks, limits and hardening visible in `podman inspect`, a secret given as a file
 * (not in env), and what an app can and cannot reach: its own team's apps, yes; another team's
 * app (by container IP and by published port), the host's own addresses, cloud metadata and
 * outbound SMTP, no. One `berth up` serves every check.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { App } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { startNetnsSink, type NetnsSink } from '../support/netns-sink.js';
import { BerthUnderTest, CLI, freePort, podman } from './support/berth.js';

interface Inspected {
  Name: string;
  Config: { Env: string[]; Labels: Record<string, string> };
  HostConfig: {
    Memory: number;
    MemorySwap: number;
    NanoCpus: number;
    PidsLimit: number;
    CapDrop: string[];
    SecurityOpt: string[];
  };
  EffectiveCaps?: string[];
  Mounts: { Destination: string; Source: string; RW: boolean }[];
  NetworkSettings: {
    Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
    Networks: Record<string, { IPAddress: string; Gateway: string }>;
  };
}

const SECRET = `file-secret-${process.pid}-${Date.now().toString(36)}`;

describe('app containers and networks', () => {
  let berth: BerthUnderTest;
  let sink: NetnsSink;
  let hostListener: Server;
  let hostPort: number;
  let hostConnections = 0;
  /** Olga's CLI config dir (her login session). */
  let olga: string;

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    hostPort = await freePort();
    hostListener = createServer((socket) => {
      hostConnections += 1;
      socket.end('host\n');
    });
    await new Promise<void>((resolve) => hostListener.listen(hostPort, '0.0.0.0', resolve));
    [sink] = await Promise.all([startNetnsSink([25, 2525]), berth.start()]);
  });
  after(async () => {
    await berth?.destroy();
    await sink?.stop();
    hostListener?.close();
    if (olga) await rm(olga, { recursive: true, force: true });
  });

  /** The CLI as Olga, an owner who made team beta (so she owns it), logged in from her own config dir. */
  const as = (home: string) => ({ XDG_CONFIG_HOME: home });
  const ok = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
    const r = await berth.cli(args, env);
    assert.equal(r.code, 0, `berth ${args.join(' ')}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  /** The replica of the app's newest release (an old one may still be draining). */
  const container = async (app: string): Promise<Inspected> => {
    const version = (name: string): number => Number(/-v(\d+)-/.exec(name)?.[1] ?? 0);
    const names = (await berth.containers())
      .filter((c) => c.name.startsWith(`berth-${app}-v`) && c.state === 'running')
      .sort((x, y) => version(y.name) - version(x.name));
    assert.ok(names[0], `no running replica of ${app}`);
    const { stdout } = await podman(['inspect', names[0].name]);
    return (JSON.parse(stdout) as Inspected[])[0]!;
  };
  /** Polls a condition (10 s at most): tests wait for what they expect, not for a time. */
  const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const ipOf = (c: Inspected): { ip: string; gateway: string; network: string } => {
    const [network, settings] = Object.entries(c.NetworkSettings.Networks)[0] ?? [];
    assert.ok(network && settings);
    return { ip: settings.IPAddress, gateway: settings.Gateway, network };
  };
  /** Connects from inside the container with busybox nc (its wget segfaults): open or not. */
  const probe = async (from: Inspected, host: string, port: number): Promise<'open' | 'blocked'> => {
    const script = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${port}`;
    return podman(['exec', from.Name, 'sh', '-c', script]).then(
      () => 'open' as const,
      () => 'blocked' as const,
    );
  };

  test('two teams deploy; one app has its own limits and a secret given as a file', async () => {
    olga = await mkdtemp(join(tmpdir(), 'berth-olga-'));
    const user = JSON.parse(
      await ok(['users', 'create', 'olga@example.com', '--role', 'owner', '--json']),
    ) as {
      setup: { token: string };
    };
    const password = 'olga-password-123\n';
    const set = await berth.cli(
      ['password', 'set', user.setup.token, '--password-stdin'],
      as(olga),
      password,
    );
    assert.equal(set.code, 0, set.stderr);
    const login = await berth.cli(
      ['login', '--email', 'olga@example.com', '--password-stdin'],
      as(olga),
      password,
    );
    assert.equal(login.code, 0, login.stderr);
    await ok(['teams', 'create', 'beta'], as(olga));
    // The example images are the host's own: an installation owner lets beta deploy them.
    await ok(['teams', 'allow-local-images', 'beta'], as(olga));
    const hello = ['--image', HELLO_V1, '--port', '8080', '--health-path', '/'];
    await ok(['apps', 'create', 'web-a', ...hello]);
    await ok(['apps', 'create', 'api-a', ...hello]);
    await ok(
      ['apps', 'create', 'web-b', ...hello, '--team', 'beta', '--cpu', '0.5', '--memory', '256M'],
      as(olga),
    );
    await ok(['secrets', 'set', 'web-b', `TOKEN=${SECRET}`, '--as-file', '/run/secrets/token'], as(olga));
    await Promise.all([ok(['deploy', 'web-a']), ok(['deploy', 'api-a']), ok(['deploy', 'web-b'], as(olga))]);
    for (const app of ['web-a', 'api-a', 'web-b']) assert.equal((await berth.get(app)).status, 200, app);

    const shown = await ok(['apps', 'show', 'web-b'], as(olga));
    assert.match(shown, /limits\s+0\.5 CPU, 256 MiB memory, 512 pids per replica/);
    const app = JSON.parse(await ok(['apps', 'show', 'web-b', '--json'], as(olga))) as App;
    assert.deepEqual(app.limits, { cpu: 0.5, memoryMiB: 256, pids: 512 });
    const secrets = await ok(['secrets', 'list', 'web-b'], as(olga));
    assert.match(secrets, /TOKEN\s+\*+\s+\/run\/secrets\/token/);
  });

  test('podman inspect shows the limits and hardening, and the file secret only as a mount', async () => {
    const b = await container('web-b');
    assert.equal(b.HostConfig.Memory, 256 * 1024 * 1024);
    assert.equal(b.HostConfig.MemorySwap, 256 * 1024 * 1024);
    assert.equal(b.HostConfig.NanoCpus, 500_000_000);
    assert.equal(b.HostConfig.PidsLimit, 512);
    assert.ok(
      b.HostConfig.SecurityOpt.includes('no-new-privileges'),
      JSON.stringify(b.HostConfig.SecurityOpt),
    );
    for (const cap of ['CAP_NET_RAW', 'CAP_MKNOD', 'CAP_SYS_CHROOT', 'CAP_SETPCAP'])
      assert.ok(
        b.HostConfig.CapDrop.includes(cap),
        `${cap} dropped: ${JSON.stringify(b.HostConfig.CapDrop)}`,
      );
    assert.deepEqual([...(b.EffectiveCaps ?? [])].sort(), [
      'CAP_CHOWN',
      'CAP_DAC_OVERRIDE',
      'CAP_FOWNER',
      'CAP_KILL',
      'CAP_NET_BIND_SERVICE',
      'CAP_SETGID',
      'CAP_SETUID',
    ]);
    assert.ok(!JSON.stringify(b).includes(SECRET), 'the value is nowhere in inspect');
    assert.ok(!b.Config.Env.some((e) => e.startsWith('TOKEN=')), 'TOKEN is not an environment variable');
    const mount = b.Mounts.find((m) => m.Destination === '/run/secrets/token');
    assert.ok(mount && !mount.RW, JSON.stringify(b.Mounts));
    const { stdout } = await podman(['exec', b.Name, 'cat', '/run/secrets/token']);
    assert.equal(stdout, SECRET);
    await assert.rejects(podman(['exec', b.Name, 'sh', '-c', 'echo x > /run/secrets/token']), /Read-only/);
    const status = (await podman(['exec', b.Name, 'cat', '/proc/1/status'])).stdout;
    assert.match(status, /^NoNewPrivs:\s+1$/m);

    // Each team on its own network, never the engine's default one; published on 127.0.0.1 for Caddy.
    const a = await container('web-a');
    assert.match(ipOf(a).network, /^berth-t-tm_/);
    assert.match(ipOf(b).network, /^berth-t-tm_/);
    assert.notEqual(ipOf(a).network, ipOf(b).network);
    assert.equal(ipOf(a).network, ipOf(await container('api-a')).network);
    assert.equal(b.NetworkSettings.Ports['8080/tcp']?.[0]?.HostIp, '127.0.0.1');
  });

  test("an app reaches its own team's apps and nothing else of the host or the world's hazards", async () => {
    const [webA, apiA, webB] = await Promise.all([
      container('web-a'),
      container('api-a'),
      container('web-b'),
    ]);
    const bPublished = Number(webB.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort);
    const hostIp = primaryAddress();
    const probes: [string, Inspected, string, number, 'open' | 'blocked'][] = [
      ['own team by container IP', webA, ipOf(apiA).ip, 8080, 'open'],
      ['other team by container IP', webA, ipOf(webB).ip, 8080, 'blocked'],
      ['other team, the other way', webB, ipOf(webA).ip, 8080, 'blocked'],
      ["other team's published port via the gateway", webA, ipOf(webA).gateway, bPublished, 'blocked'],
      ["other team's published port via the host's address", webA, hostIp, bPublished, 'blocked'],
      ['a host listener on 0.0.0.0, via the gateway', webA, ipOf(webA).gateway, hostPort, 'blocked'],
      ["a host listener on 0.0.0.0, via the host's address", webA, hostIp, hostPort, 'blocked'],
      ["a host listener, via the other team's gateway", webA, ipOf(webB).gateway, hostPort, 'blocked'],
      ['cloud metadata', webA, '169.254.169.254', 80, 'blocked'],
      ['SMTP (25) elsewhere', webA, sink.address, 25, 'blocked'],
      ['any other port elsewhere', webA, sink.address, 2525, 'open'],
    ];
    const results = await Promise.all(probes.map(([, from, host, port]) => probe(from, host, port)));
    assert.deepEqual(
      probes.map(([what], i) => `${what}: ${results[i]}`),
      probes.map(([what, , , , expected]) => `${what}: ${expected}`),
    );
    assert.equal(hostConnections, 0, 'no container connection reached the host listener');
    const table = (
      await promisify(execFile)('nft', ['list', 'table', 'inet', `berth_apps_${await berth.agentId()}`])
    ).stdout;
    for (const rule of ['cloud metadata', 'outbound SMTP', 'the host itself', 'other teams'])
      assert.match(table, new RegExp(`counter packets [1-9]\\d* bytes \\d+ drop comment "${rule}`), rule);
  });

  test("berth exec runs in the replica, pipes stdin, passes the exit code; another team's app is not found; a killed CLI leaves nothing running", async () => {
    const replica = await container('web-a');
    const hostname = (await podman(['exec', replica.Name, 'cat', '/etc/hostname'])).stdout;
    assert.equal(await ok(['exec', 'web-a', '--', 'cat', '/etc/hostname']), hostname);
    const piped = await berth.cli(['exec', 'web-a', '--', 'cat'], {}, 'hi\n');
    assert.deepEqual([piped.code, piped.stdout], [0, 'hi\n'], piped.stderr);
    const seven = await berth.cli(['exec', 'web-a', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.deepEqual([seven.code, seven.stdout, seven.stderr], [7, 'out\n', 'err\n']);
    // A terminal on both ends (script(1) makes one): the command gets a TTY, of 80x24 when the
    // terminal does not say its size.
    const terminal = await promisify(execFile)(
      'script',
      ['-qec', `${process.execPath} ${CLI} exec web-a -- sh -c 'tty; stty size'`, '/dev/null'],
      { env: { ...process.env, BERTH_DATA_DIR: berth.dataDir }, timeout: 60_000 },
    );
    assert.match(terminal.stdout, /\/dev\/pts\/\d+\r*\n24 80/);
    const json = JSON.parse(await ok(['exec', 'web-a', '--json', '--', 'sh', '-c', 'echo out'])) as unknown;
    assert.deepEqual(json, { replica: replica.Name, exitCode: 0, stdout: 'out\n', stderr: '' });

    // A token of team beta only: web-a (team default) is not there for it, as if it did not exist.
    const beta = JSON.parse(
      await ok(['tokens', 'create', 'beta-ops', '--team', 'beta', '--role', 'operator', '--json'], as(olga)),
    ) as { token: string };
    const hidden = await berth.cli(['exec', 'web-a', '--token', beta.token, '--', 'true']);
    assert.equal(hidden.code, 1, hidden.stderr);
    assert.match(hidden.stderr, /There is no app named "web-a"/);
    const own = await berth.cli([
      'exec',
      'web-b',
      '--token',
      beta.token,
      '--',
      'test',
      '-f',
      '/run/secrets/token',
    ]);
    assert.equal(own.code, 0, `the app's own file secret is there for its team: ${own.stderr}`);

    // The CLI dies mid-command: berthd sees the socket close, the agent kills what the exec runs.
    const sleeps = async (): Promise<number> =>
      (await podman(['exec', replica.Name, 'ps', '-o', 'stat,args'])).stdout
        .split('\n')
        .filter((l) => l.includes('sleep 977') && !l.trim().startsWith('Z')).length;
    const running = berth.cliStream(['exec', 'web-a', '--', 'sh', '-c', 'sleep 977 & sleep 977']);
    await until(async () => (await sleeps()) === 2, 'both sleeps run in the container');
    running.kill('SIGKILL');
    await running.done;
    await until(async () => (await sleeps()) === 0, 'no exec process is left in the container');
    const rows = JSON.parse(await ok(['audit', 'list', '--limit', '1000', '--json'])) as {
      action: string;
      target: string | null;
      detail: Record<string, unknown>;
    }[];
    const execs = rows.filter((r) => r.action === 'app.exec' && r.target === 'app:web-a');
    assert.ok(
      execs.some((r) => r.detail.cmd === JSON.stringify(['cat']) && r.detail.replica === replica.Name),
      'one row per session, with the argv and the replica (never stdin or output)',
    );
  });

  test('new limits roll out as a new release; an empty team network goes away', async () => {
    await ok(['scale', 'web-b', '--memory', '128M'], as(olga));
    const b = await container('web-b');
    assert.equal(b.HostConfig.Memory, 128 * 1024 * 1024);
    assert.equal((await podman(['exec', b.Name, 'cat', '/run/secrets/token'])).stdout, SECRET);

    const network = ipOf(b).network;
    await ok(['apps', 'delete', 'web-b', '--yes'], as(olga));
    const deadline = Date.now() + 60_000;
    while (
      await podman(['network', 'exists', network]).then(
        () => true,
        () => false,
      )
    ) {
      assert.ok(Date.now() < deadline, `${network} was not removed`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal((await berth.get('web-a')).status, 200, 'the other team keeps serving');
  });
});

/** The host's first ordinary IPv4 address (not loopback, not a container bridge or test veth). */
function primaryAddress(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(lo|cni-|bt-|veth|bsk|podman|docker)/.test(name)) continue;
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  throw new Error('no IPv4 address of this host found');
}
