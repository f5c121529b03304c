/**
 * The hostile-build corpus, driven as an attacker would: an operator of a second team (beta),
 * through the CLI and the HTTP API of a real `berth up`, deploying source that tries what a
 * security review reproduced on the unsandboxed builder. Each attack must fail or run inert:
 * no marker file appears on the host, no secret of the host or of Berth (the admin token, the
 * master key, /etc/shadow, a world-readable host file) shows up in any output, and no build step
 * reaches berthd, the engine, the host's other ports, cloud metadata or team alpha's app.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { createTestRepo } from '../support/git-repos.js';
import { BerthUnderTest, podman } from './support/berth.js';

const run = promisify(execFile);
const BASE = 'localhost/berth/base-static:bookworm';
const marker = `berth-hostile-${randomBytes(6).toString('hex')}`;
const hostSecret = `host-secret-${randomBytes(12).toString('hex')}`;
/** Enough `..` to reach / from wherever the agent unpacks or checks out a tree. */
const UP = Array(40).fill('..').join('/');
const DEEP = Array.from({ length: 25 }, (_, i) => `d${i}`).join('/');

describe('hostile builds, as an operator of another team', () => {
  let berth: BerthUnderTest;
  let root: string;
  let beta: Record<string, string>;
  let betaToken: string;
  let secrets: string[];
  let markers: string[];
  let hostListener: Server;
  let hostPort: number;
  let alphaIp: string;
  let alphaPort: number;
  const outputs: string[] = [];

  before(async () => {
    await ensureExampleImages();
    root = await mkdtemp(join(tmpdir(), 'berth-e2e-hostile-'));
    berth = await BerthUnderTest.create();
    // Team apps may name local repositories only under directories the installation allows.
    await berth.start(['--allow-local-sources', root]);
    const boot = await berth.cli(['images', 'bootstrap', '--only', 'static']);
    assert.equal(boot.code, 0, boot.stdout + boot.stderr);
    // Team alpha (the default team) runs an app the attacker must not reach.
    assert.equal((await berth.cli(['apps', 'create', 'web', '--image', HELLO_V1, '--port', '8080'])).code, 0);
    assert.equal((await berth.cli(['deploy', 'web'])).code, 0);
    const [container] = await berth.containers();
    assert.ok(container);
    const inspect = await podman(['inspect', container.name, '--format', '{{json .NetworkSettings}}']);
    const settings = JSON.parse(inspect.stdout) as {
      Networks: Record<string, { IPAddress: string }>;
      Ports: Record<string, { HostPort: string }[] | null>;
    };
    alphaIp = Object.values(settings.Networks)[0]?.IPAddress ?? '';
    alphaPort = Number(Object.values(settings.Ports)[0]?.[0]?.HostPort ?? 0);
    assert.ok(alphaIp && alphaPort, inspect.stdout);
    // Team beta, and its operator: the attacker.
    assert.equal((await berth.cli(['teams', 'create', 'beta'])).code, 0);
    betaToken = (
      await berth.json<{ token: string }>([
        'tokens',
        'create',
        'mallory',
        '--role',
        'operator',
        '--team',
        'beta',
      ])
    ).token;
    beta = { BERTH_TOKEN: betaToken };
    assert.equal((await berth.cli(['apps', 'create', 'evil', '--team', 'beta'])).code, 0);
    // What must never leak, and where nothing may be written.
    await writeFile(join(tmpdir(), `${marker}-secret`), `${hostSecret}\n`, { mode: 0o644 });
    secrets = [
      hostSecret,
      await berth.token(),
      (await readFile(join(berth.dataDir, 'master.key'), 'utf8').catch(() => '')).trim(),
    ].filter((s) => s.length > 8);
    markers = ['/tmp', '/var/tmp', '/root', berth.dataDir, join(berth.dataDir, 'agent')].map((d) =>
      join(d, marker),
    );
    hostListener = createServer((s) => s.end('REACHED-HOST-PORT\n'));
    await new Promise<void>((resolve) => hostListener.listen(0, '0.0.0.0', resolve));
    hostPort = (hostListener.address() as { port: number }).port;
  });

  after(async () => {
    hostListener?.close();
    await berth?.destroy();
    if (root) await rm(root, { recursive: true, force: true });
    await rm(join(tmpdir(), `${marker}-secret`), { force: true });
  });

  /** A directory to deploy, from files and symlinks. */
  async function tree(name: string, files: Record<string, string>, links: Record<string, string> = {}) {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    for (const [path, target] of Object.entries(links)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await symlink(target, join(dir, path));
    }
    return dir;
  }

  /** Everything the attacker sees of a deploy: the CLI's output and the build log. */
  async function deployAs(args: string[]): Promise<string> {
    const r = await berth.cli(['deploy', 'evil', ...args], beta);
    const log = await berth.cli(['logs', 'evil', '--build'], beta);
    const seen = [r.stdout, r.stderr, log.stdout, log.stderr].join('\n');
    outputs.push(seen);
    return seen;
  }

  function assertInert(seen: string): void {
    for (const s of secrets) assert.ok(!seen.includes(s), `a secret leaked:\n${seen}`);
    assert.ok(!/^\S*root:[^:\s]*:\d+:\d+:/m.test(seen), `shadow leaked:\n${seen}`);
    // A line that is only the marker: what a probe prints when it got through (not the RUN text).
    assert.ok(!/(^|│ )REACHED-[A-Z-]+\s*$/m.test(seen), `a build step reached something:\n${seen}`);
  }

  async function assertNoMarkers(): Promise<void> {
    for (const m of markers) {
      assert.equal(
        await stat(m).then(
          () => true,
          () => false,
        ),
        false,
        `${m} was written on the host`,
      );
    }
  }

  test('CVE-2024-1753: a bind mount of a link to / reads and writes nothing of the host', async () => {
    const dir = await tree('cve', {
      Dockerfile: [
        `FROM ${BASE} AS s`,
        'RUN ln -s / /rootdir',
        `FROM ${BASE}`,
        'RUN --mount=type=bind,from=s,source=/rootdir,destination=/x,rw \\',
        `  cat /x${berth.dataDir}/admin.token /x${berth.dataDir}/master.key /x/etc/shadow \\`,
        `    /x${join(tmpdir(), `${marker}-secret`)} ; \\`,
        `  ls /x/run/podman /x${berth.dataDir}/run ; \\`,
        ...markers.map((m) => `  touch /x${m} ; \\`),
        '  echo listing: $(ls /x)',
        '',
      ].join('\n'),
    });
    const seen = await deployAs(['--from-dir', dir]);
    assert.match(seen, /listing: .*usr/, seen);
    assert.doesNotMatch(seen, /listing: .*\b(root|boot|srv|work)\b/, seen);
    assertInert(seen);
    await assertNoMarkers();
  });

  test('a Dockerfile named *.in is never run through cpp: #include of host files includes nothing', async () => {
    const dir = await tree('cpp', {
      'berth.yaml': 'builder: dockerfile\ndockerfile: Dockerfile.in\n',
      'Dockerfile.in': [
        `#include "${berth.dataDir}/admin.token"`,
        '#include "/etc/shadow"',
        `#include "${join(tmpdir(), `${marker}-secret`)}"`,
        `FROM ${BASE}`,
        'RUN echo built-without-cpp',
        '',
      ].join('\n'),
    });
    const seen = await deployAs(['--from-dir', dir]);
    assert.match(seen, /built-without-cpp/, seen);
    assertInert(seen);
  });

  test('build steps reach neither berthd, the engine, the host, metadata nor another team', async () => {
    const host = Object.values(networkInterfaces())
      .flat()
      .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
    assert.ok(host);
    const probe = (label: string, address: string, port: number): string =>
      `  (printf 'GET /api/v1/health HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${address} ${port} | grep -q . && echo REACHED-${label}) ; \\`;
    const dir = await tree('reach', {
      Dockerfile: [
        `FROM ${BASE}`,
        'RUN \\',
        // The control: a server of the step's own, on its own loopback, is reached (so a probe
        // that gets through is seen).
        '  (mkdir -p /tmp/www && echo ok > /tmp/www/index.html && httpd -p 127.0.0.1:8099 -h /tmp/www) ; \\',
        "  (printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 127.0.0.1 8099 | grep -q . && echo CONTROL-REACHED) ; \\",
        probe('BERTHD', '127.0.0.1', berth.apiPort),
        probe('BERTHD-VIA-SLIRP', '10.0.2.2', berth.apiPort),
        probe('HOST', host, hostPort),
        probe('PROXY', host, berth.httpPort),
        probe('ALPHA-APP', alphaIp, 8080),
        probe('ALPHA-PUBLISHED', '10.0.2.2', alphaPort),
        probe('METADATA', '169.254.169.254', 80),
        '  (ls /run/podman/podman.sock /var/run/docker.sock 2>/dev/null && echo REACHED-ENGINE-SOCKET) ; \\',
        '  echo probes-done',
        '',
      ].join('\n'),
    });
    const seen = await deployAs(['--from-dir', dir]);
    assert.match(seen, /probes-done/, seen);
    assert.match(seen, /│ CONTROL-REACHED\s*$/m, seen);
    assertInert(seen);
  });

  test('an upload whose links chain out of the tree reads nothing of the host', async () => {
    // The CLI would leave such links out; an attacker sends the archive itself.
    const dir = await tree(
      'chain-upload',
      { 'index.html': '<h1>hi</h1>\n' },
      {
        [`${DEEP}/up`]: Array(25).fill('..').join('/'),
        'berth.yaml': `${DEEP}/up/${UP}/etc/shadow`,
        Dockerfile: `${DEEP}/up/${UP}/${join(tmpdir(), `${marker}-secret`).slice(1)}`,
        'package.json': `${DEEP}/up/${UP}/${berth.dataDir.slice(1)}/admin.token`,
      },
    );
    const { stdout: tar } = await run('tar', ['-C', dir, '-cf', '-', '.'], {
      encoding: 'buffer',
      maxBuffer: 16 * 1024 * 1024,
    });
    const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/apps/evil/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${betaToken}`, 'content-type': 'application/x-tar' },
      body: tar,
    });
    const answer = await res.text();
    assert.equal(res.status, 202, answer);
    const { id } = JSON.parse(answer) as { id: string };
    const shown = await berth.cli(['deployments', 'show', id, '--follow'], beta);
    const log = await berth.cli(['logs', 'evil', '--build'], beta);
    const seen = [answer, shown.stdout, shown.stderr, log.stdout, log.stderr].join('\n');
    assertInert(seen);
    await assertNoMarkers();
  });

  test('a git repository whose links chain out of the checkout reads nothing of the host', async () => {
    const repo = await createTestRepo(join(root, 'chain-repo'));
    await mkdir(join(repo.path, DEEP), { recursive: true });
    await symlink(Array(25).fill('..').join('/'), join(repo.path, DEEP, 'up'));
    await symlink(`${DEEP}/up/${UP}/etc/shadow`, join(repo.path, 'berth.yaml'));
    await symlink(`${DEEP}/up/${UP}/${berth.dataDir.slice(1)}/admin.token`, join(repo.path, 'Dockerfile'));
    await writeFile(join(repo.path, 'index.html'), '<h1>repo</h1>\n');
    await repo.git(['add', '--all']);
    await repo.git(['commit', '--quiet', '-m', 'links']);
    // A directory `berth up --allow-local-sources` allows; the team operator still cannot create apps.
    const created = await berth.cli(['apps', 'create', 'evilgit', '--team', 'beta', '--git', repo.path]);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    const r = await berth.cli(['deploy', 'evilgit'], beta);
    const log = await berth.cli(['logs', 'evilgit', '--build'], beta);
    assertInert([r.stdout, r.stderr, log.stdout, log.stderr].join('\n'));
    await assertNoMarkers();
  });

  test("alpha's app kept serving through all of it", async () => {
    const res = await berth.get('web');
    assert.equal(res.status, 200);
    assert.match(res.body, /hello v1/);
    assert.ok(outputs.length >= 3);
  });
});
