/**
 * README "Adding a server", walked through: `berth agent join URL TOKEN` pins berthd's CA from
 * the token (a server with another CA never sees the token), a refused token leaves no
 * configuration, a good one writes the keys and agent.json 0600 (and the systemd unit), a second
 * join of the same data dir is refused, and `berth agent run` starts the agent, its Caddy and
 * the DNS service, which connect to berthd as the server the token named (saying its capacity
 * and private address) and stop on SIGTERM.
 *
 * Tokens come from `berth servers add` of a real `berth up --api-host 127.0.0.2` (HTTPS with
 * its own CA); the join goes to its POST /api/v1/agent/join. The "stranger" is a TLS server with
 * another CA's certificate at the same address: a person in the middle.
 *
 * `agent run` gets a Podman service of its own (its own storage, runroot and lock files), so
 * its agent never sees the containers of `berth up`'s agent.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createCertificateAuthority, issueServerCertificate, publicKeyFingerprint } from '@berth/crypto';
import {
  pingEngineSocket,
  planPodmanHostConfig,
  readPodmanHostFacts,
  renderContainersConf,
} from '@berth/engine';
import { openSqliteStore, type Store } from '@berth/store';
import { testBuilderDir } from '../support/builder.js';
import { BerthUnderTest, CLI, freePort, type CliResult } from './support/berth.js';

const HOST = '127.0.0.2';
/** Where the joined server's replicas would be published: another address than its edge's. */
const PRIVATE_IP = '127.0.0.3';
const newToken = (fp: string): string => `bj1.${randomBytes(32).toString('base64url')}.${fp}`;

/**
 * A TLS server at berthd's address with a certificate from another CA: what a person in the
 * middle would present. It counts every request that reaches it (none may).
 */
class StrangerTls {
  requests = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<StrangerTls> {
    const now = new Date();
    const ca = await createCertificateAuthority({ commonName: 'someone else', now, lifetimeMs: 3_600_000 });
    const leaf = await issueServerCertificate({
      ca,
      dnsNames: [],
      ipAddresses: [HOST],
      now,
      lifetimeMs: 3_600_000,
      backdateMs: 60_000,
    });
    const port = await freePort();
    const server = createServer({ cert: leaf.certPem + ca.certPem, key: leaf.keyPem });
    const self = new StrangerTls(server, `https://${HOST}:${port}`);
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      self.requests += 1;
      res.writeHead(404).end();
    });
    server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      self.requests += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
    return self;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A Podman API service with storage of its own (TESTBED.md), for `agent run`. */
async function startOwnPodman(dir: string): Promise<{ socket: string; stop(): Promise<void> }> {
  for (const sub of ['storage', 'run', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
  const conf = join(dir, 'containers.conf');
  const plan = planPodmanHostConfig(await readPodmanHostFacts());
  await writeFile(conf, renderContainersConf(plan, { lock_type: 'file' }));
  const socket = join(dir, 'podman.sock');
  const args = ['--root', join(dir, 'storage'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp')];
  const child = spawn('podman', [...args, 'system', 'service', '--time=0', `unix://${socket}`], {
    env: { ...process.env, CONTAINERS_CONF: conf },
    stdio: 'ignore',
  });
  for (let i = 0; !(await pingEngineSocket(socket, 500)); i++) {
    assert.ok(i < 200 && child.exitCode === null, 'the test podman service did not answer');
    await sleep(50);
  }
  return {
    socket,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

async function modeOf(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

/** Whether a process of that pid exists (its /proc entry goes when it has been reaped). */
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

describe('adding a server: berth agent join and berth agent run', () => {
  let berth: BerthUnderTest;
  let store: Store;
  let stranger: StrangerTls;
  let fp: string;
  let dir: string;
  let podman: { socket: string; stop(): Promise<void> };
  let runProcess: ChildProcess | null = null;
  const agentDir = (): string => join(dir, 'agent-data');

  before(async () => {
    berth = await BerthUnderTest.create();
    await berth.start(['--api-host', HOST]);
    fp = publicKeyFingerprint(await readFile(join(berth.dataDir, 'ca.crt'), 'utf8')).slice('sha256:'.length);
    // Read-only here: what berthd recorded of the joined server.
    store = await openSqliteStore({ file: join(berth.dataDir, 'berth.db') });
    stranger = await StrangerTls.start();
    dir = await mkdtemp(join(tmpdir(), 'berth-agent-join-'));
    podman = await startOwnPodman(join(dir, 'podman'));
  });

  after(async () => {
    // A failed test may leave agent run up: stop it as a person would, its children with it.
    if (runProcess && runProcess.exitCode === null) {
      const exited = new Promise((resolve) => runProcess?.once('exit', resolve));
      runProcess.kill('SIGTERM');
      await Promise.race([exited, sleep(20_000)]);
    }
    for (const name of ['agent', 'caddy', 'dns']) {
      const pid = Number(await readFile(join(agentDir(), 'run', `${name}.pid`), 'utf8').catch(() => ''));
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
    const id = (await readFile(join(agentDir(), 'agent', 'agent.id'), 'utf8').catch(() => '')).trim();
    if (id) {
      for (const table of [`berth_apps_${id}`, `berth_build_${id}`])
        await runQuiet('nft', ['delete', 'table', 'inet', table]);
    }
    await runQuiet('umount', ['-l', join(agentDir(), 'agent', 'secrets')]);
    await podman?.stop();
    // Podman leaves its storage's overlay mounted after its service stops.
    await runQuiet('umount', ['-l', join(dir, 'podman', 'storage', 'overlay')]);
    await stranger?.close();
    await store?.close();
    await berth?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const join_ = (url: string, token: string, extra: string[] = []): Promise<CliResult> =>
    berth.cli(['agent', 'join', url, token, '--data-dir', agentDir(), ...extra]);
  const berthdUrl = (): string => `https://${HOST}:${berth.apiPort}`;
  /** A one-time token from `berth servers add`, as an admin makes it. */
  const addServer = async (name: string, labels: string[] = []): Promise<string> => {
    const r = await berth.cli(['servers', 'add', name, ...labels.flatMap((l) => ['--label', l]), '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const { token, command } = JSON.parse(r.stdout) as { token: string; command: string };
    assert.ok(token.endsWith(`.${fp}`), "the token pins berthd's CA");
    assert.ok(command.endsWith(` ${token}`), command);
    return token;
  };

  test('a server whose certificate is not from the CA the token names never sees the token', async () => {
    const token = await addServer('web-9');
    const r = await join_(stranger.url, token);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`does not present the CA with fingerprint sha256:${fp}`));
    assert.equal(stranger.requests, 0, 'no request reached the stranger');
    await assert.rejects(stat(join(agentDir(), 'agent.json')), { code: 'ENOENT' });
  });

  test('a refused token says what to do and leaves no configuration', async () => {
    const r = await join_(berthdUrl(), newToken(fp));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /berthd refused the join token/);
    assert.match(r.stderr, /ask an admin for a new one: berth servers add NAME/);
    await assert.rejects(stat(join(agentDir(), 'agent.json')), { code: 'ENOENT' });
  });

  test('a good token: keys and agent.json 0600, the unit written, the join signed with the new key', async () => {
    const token = await addServer('web-2', ['zone=b']);
    const httpPort = await freePort();
    const units = join(dir, 'units');
    const r = await join_(berthdUrl(), token, [
      '--engine-socket',
      podman.socket,
      '--public-ip',
      HOST,
      '--private-ip',
      PRIVATE_IP,
      '--http-port',
      String(httpPort),
      // This "server" is the test host itself: its agent must not make a WireGuard interface in
      // the host's namespace (the fleet tests, in namespaces of their own, cover the mesh).
      '--no-mesh',
      '--install-service',
      '--service-dir',
      units,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { serverName: string; labels: unknown; next: string };
    assert.equal(out.serverName, 'web-2');
    assert.deepEqual(out.labels, { zone: 'b' });
    assert.equal(out.next, `berth agent run --data-dir ${agentDir()}`);

    for (const [path, mode] of [
      [agentDir(), '700'],
      [join(agentDir(), 'agent'), '700'],
      [join(agentDir(), 'agent', 'identity.key'), '600'],
      [join(agentDir(), 'agent', 'sealing.key'), '600'],
      [join(agentDir(), 'agent.json'), '600'],
    ] as const)
      assert.equal(await modeOf(path), mode, path);
    const config = JSON.parse(await readFile(join(agentDir(), 'agent.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.deepEqual(
      { ...config, serverId: typeof config.serverId, joinedAt: typeof config.joinedAt },
      {
        version: 1,
        serverUrl: berthdUrl(),
        fingerprint: `sha256:${fp}`,
        serverId: 'string',
        serverName: 'web-2',
        labels: { zone: 'b' },
        engineSocket: podman.socket,
        publicIp: HOST,
        privateIp: PRIVATE_IP,
        httpPort,
        mesh: null,
        // Caddy unless `--proxy nginx` was given.
        proxy: 'caddy',
        joinedAt: 'string',
      },
    );
    // berthd bound the server to the new key, with what the join said.
    const sent = await store.servers.findByName('web-2');
    const publicKey = (await readFile(join(agentDir(), 'agent', 'identity.pub'), 'utf8')).trim();
    assert.equal(sent?.publicKey, publicKey);
    assert.deepEqual(sent?.labels, { zone: 'b' });
    assert.equal(sent?.privateIp, PRIVATE_IP);
    assert.equal(sent?.capacity?.cpuMillis, availableParallelism() * 1000);
    assert.ok((sent?.capacity?.memoryMib ?? 0) > 0);
    // The token worked once: used again (from another data dir) it is refused.
    const reused = await berth.cli(['agent', 'join', berthdUrl(), token, '--data-dir', join(dir, 'reuse')]);
    assert.equal(reused.code, 1, reused.stdout + reused.stderr);
    assert.match(reused.stderr, /berthd refused the join token/);
    const unit = await readFile(join(units, 'berth-agent.service'), 'utf8');
    assert.match(unit, new RegExp(`^ExecStart=\\S+ \\S+ agent run --data-dir ${agentDir()}$`, 'm'));

    const again = await join_(berthdUrl(), await addServer('web-3'));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /has already joined https:\/\/127\.0\.0\.2:\d+ as web-2/);
    assert.match(again.stderr, /berth agent run --data-dir/);
  });

  test('agent run starts the agent, Caddy and DNS, connects as web-2, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'agent', 'run', '--data-dir', agentDir(), '--builder-dir', testBuilderDir(process.env)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    runProcess = child;
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; !output.includes('berth-agent is running as web-2'); i++) {
      assert.ok(i < 600 && child.exitCode === null, `agent run did not start:\n${output}`);
      await sleep(50);
    }
    const pids = Object.fromEntries(
      await Promise.all(
        ['agent', 'caddy', 'dns'].map(async (name) => [
          name,
          Number((await readFile(join(agentDir(), 'run', `${name}.pid`), 'utf8')).trim()),
        ]),
      ),
    ) as Record<string, number>;
    for (const [name, pid] of Object.entries(pids)) assert.ok(alive(pid), `${name} runs`);

    // berthd sees the agent online, as the server the token named, with what its hello said.
    const listServers = async (): Promise<{ name: string; status: string }[]> =>
      (
        (await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/servers`, {
          headers: { authorization: `Bearer ${await berth.token()}` },
        }).then((res) => res.json())) as { servers: { name: string; status: string }[] }
      ).servers;
    for (let i = 0; !(await listServers()).some((s) => s.name === 'web-2' && s.status === 'online'); i++) {
      assert.ok(i < 300, `the agent did not connect to berthd:\n${output}`);
      await sleep(100);
    }
    const row = await store.servers.findByName('web-2');
    assert.equal(row?.privateIp, PRIVATE_IP);
    assert.equal(row?.capacity?.cpuMillis, availableParallelism() * 1000);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    for (const [name, pid] of Object.entries(pids)) assert.equal(alive(pid), false, `${name} stopped`);
    await assert.rejects(stat(join(agentDir(), 'run', 'up.pid')), { code: 'ENOENT' });
  });
});

async function runQuiet(file: string, args: string[]): Promise<void> {
  await new Promise<void>((resolve) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}
