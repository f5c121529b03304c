/**
 * The build sandbox against hostile builds, for real: the builds run in the sandboxed Podman as
 * Berth runs them, and each attack is one a review reproduced on the unsandboxed builder
 * (CVE-2024-1753's bind mount of `/`, reaching the host's loopback, a RUN step that never ends,
 * another team's image as FROM). Each must fail or run inert; marker files on the host must never
 * appear, a secret file of the host must never be read.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { execFile } from 'node:child_process';
import { networkInterfaces, tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BerthError } from '@berth/protocol';
import {
  applyNftTable,
  buildImage,
  createEngineApiClient,
  packDirectory,
  planBuildFirewall,
  removeNftTable,
  type SandboxedBuilder,
} from '@berth/engine';
import {
  startTestBuilder,
  TEST_BASE_IMAGE,
  testBuilderDir,
  testTeamId,
} from '../../../../../test/support/builder.js';
import { startTestPodman, type TestPodman } from '../../../../../test/support/podman.js';

const run = promisify(execFile);
let builder: SandboxedBuilder;
let dir: string;
let podman: TestPodman;
const marker = `berth-marker-${randomBytes(6).toString('hex')}`;
const secret = `host-secret-${randomBytes(12).toString('hex')}`;
// World-readable, as a careless host file would be: a rootless builder without the sandbox reads it.
const secretFile = join(tmpdir(), `${marker}-secret`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-sandbox-test-'));
  [builder, podman] = await Promise.all([startTestBuilder(), startTestPodman(join(dir, 'podman'))]);
  await writeFile(secretFile, `${secret}\n`, { mode: 0o644 });
});

after(async () => {
  await podman?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  await rm(secretFile, { force: true });
});

let contexts = 0;
async function build(
  team: string,
  dockerfile: string,
  o: { network?: 'none'; signal?: AbortSignal; tag?: string } = {},
): Promise<{ lines: string[]; error: unknown }> {
  const ctx = join(dir, `ctx-${++contexts}`);
  await mkdir(ctx, { recursive: true });
  await writeFile(join(ctx, '.berth.Dockerfile'), dockerfile);
  const lines: string[] = [];
  const signal = o.signal ?? AbortSignal.timeout(120_000);
  let error: unknown = null;
  await builder
    .team(team, o.network ?? 'egress', signal, ({ http }) =>
      buildImage(http, {
        context: packDirectory(ctx, { ignoreFiles: [] }).stream,
        dockerfile: '.berth.Dockerfile',
        tag: o.tag ?? `localhost/berth/sandboxtest:${contexts}`,
        ...(o.network && { networkMode: o.network }),
        signal,
        onLine: (l) => lines.push(l),
      }),
    )
    .catch((err: unknown) => (error = err));
  return { lines, error };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

test("CVE-2024-1753: a bind mount of another stage's link to / sees the sandbox, not the host", async () => {
  const targets = ['/tmp', '/var/tmp', '/root', '/etc', dir].map((d) => `${d}/${marker}`);
  const { lines, error } = await build(
    testTeamId(),
    [
      `FROM ${TEST_BASE_IMAGE} AS s`,
      'RUN ln -s / /rootdir',
      `FROM ${TEST_BASE_IMAGE}`,
      'RUN --mount=type=bind,from=s,source=/rootdir,destination=/x,rw \\',
      '  echo "listing:" $(ls /x) ; \\',
      `  cat /x${secretFile} /x/etc/shadow /x/root/.bash_history ; \\`,
      `  ls /x${dir} /x/var/lib/containers /x/run/podman ; \\`,
      ...targets.map((t) => `  touch /x${t} ; \\`),
      '  true',
      '',
    ].join('\n'),
  );
  assert.equal(error, null, `the build itself runs: ${String(error)}\n${lines.join('\n')}`);
  const listing = lines.find((l) => l.startsWith('listing:')) ?? '';
  assert.match(listing, /usr/, lines.join('\n'));
  for (const hostOnly of [' root', ' work', ' boot', ' srv', ' mnt']) {
    assert.ok(!listing.includes(`${hostOnly} `) && !listing.endsWith(hostOnly), `${hostOnly} in ${listing}`);
  }
  assert.ok(!lines.join('\n').includes(secret), 'a world-readable file of the host was read');
  assert.ok(!lines.some((l) => /^root:[^:]*:\d+:/.test(l)), 'shadow was read');
  for (const t of targets) assert.equal(await exists(t), false, `${t} was written on the host`);
});

test('a build step reaches neither the host loopback nor its unix sockets', async () => {
  const server: Server = createServer((s) => s.end('HOST-LOOPBACK\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const { lines, error } = await build(
      testTeamId(),
      [
        `FROM ${TEST_BASE_IMAGE}`,
        `RUN nc -w 2 127.0.0.1 ${port} </dev/null ; nc -w 2 10.0.2.2 ${port} </dev/null ; \\`,
        `  ls -la /run /var/run 2>&1 | wc -l ; echo done`,
        '',
      ].join('\n'),
    );
    assert.equal(error, null, String(error));
    assert.ok(lines.includes('done'), lines.join('\n'));
    assert.ok(!lines.join('\n').includes('HOST-LOOPBACK'), 'a build step reached the host loopback');
  } finally {
    server.close();
  }
});

test("the host firewall for builds keeps build steps from the host's other addresses", async () => {
  const hostAddress = Object.values(networkInterfaces())
    .flat()
    .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
  assert.ok(hostAddress, 'this host has a non-loopback IPv4 address');
  const server: Server = createServer((s) => s.end('HOST-ADDRESS\n'));
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const port = (server.address() as { port: number }).port;
  const table = `berth_test_build_${process.pid}`;
  const step = [`FROM ${TEST_BASE_IMAGE}`, `RUN nc -w 2 ${hostAddress} ${port} </dev/null; echo tried`, ''];
  try {
    // Without the firewall the sandbox's own network still leads to the host's address: the
    // rule is what stops it (and this test can tell). Another Berth on this host keeps its build
    // table (as it should, to protect its builds), which would close it already.
    const others = (await run('nft', ['list', 'tables'])).stdout.match(/berth_build_\w+/g) ?? [];
    if (others.length === 0) {
      const open = await build(testTeamId(), step.join('\n'));
      assert.ok(open.lines.includes('HOST-ADDRESS'), open.lines.join('\n'));
    }
    const { uid, subuids } = builder.identity;
    await applyNftTable(
      planBuildFirewall({
        tableName: table,
        uids: [
          { first: uid, last: uid },
          { first: subuids.start, last: subuids.start + subuids.count - 1 },
        ],
        containerSubnets: [],
      }),
    );
    const closed = await build(testTeamId(), step.join('\n'));
    assert.equal(closed.error, null, String(closed.error));
    assert.ok(closed.lines.includes('tried'), closed.lines.join('\n'));
    assert.ok(!closed.lines.includes('HOST-ADDRESS'), closed.lines.join('\n'));
  } finally {
    await removeNftTable(table);
    server.close();
  }
});

test('a team with build egress off gets only loopback in its build steps', async () => {
  const { lines, error } = await build(
    testTeamId(),
    [
      `FROM ${TEST_BASE_IMAGE}`,
      'RUN echo interfaces: $(cat /proc/net/dev | tail -n +3 | cut -d: -f1)',
      '',
    ].join('\n'),
    { network: 'none' },
  );
  assert.equal(error, null, String(error));
  assert.deepEqual(
    lines
      .find((l) => l.startsWith('interfaces:'))
      ?.split(/\s+/)
      .slice(1),
    ['lo'],
    lines.join('\n'),
  );
});

test('cancelling kills the RUN step at once, and the next build of the team works', async () => {
  const team = testTeamId();
  const cancel = new AbortController();
  // A unique duration finds the step's process (busy box's sh execs the last command).
  const step = `sleep ${600_000 + randomBytes(2).readUInt16BE()}`;
  const started = Date.now();
  const running = build(team, [`FROM ${TEST_BASE_IMAGE}`, `RUN echo start; ${step}`, ''].join('\n'), {
    signal: cancel.signal,
  });
  const deadline = Date.now() + 60_000;
  while (!(await buildProcesses(step)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(await buildProcesses(step), 'the RUN step never started');
  cancel.abort(new BerthError('BUILD_CANCELLED', 'cancelled by the test'));
  const { error } = await running;
  assert.ok(
    error instanceof BerthError && error.code === 'BUILD_CANCELLED',
    `${String(error)} ${JSON.stringify(error)}`,
  );
  assert.ok(Date.now() - started < 60_000);
  const gone = Date.now() + 5_000;
  while ((await buildProcesses(step)) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await buildProcesses(step), false, 'the RUN step outlived the cancel');
  const next = await build(team, [`FROM ${TEST_BASE_IMAGE}`, 'RUN echo again', ''].join('\n'));
  assert.equal(next.error, null, String(next.error));
  // The killed build's working container was swept when the next session started.
  const containers = join(testBuilderDir(process.env), 'teams', team, 'storage', 'overlay-containers');
  assert.deepEqual(JSON.parse(await readFile(join(containers, 'containers.json'), 'utf8')), []);
});

test("another team's image is not there to build FROM; the own team's is", async () => {
  const alpha = testTeamId();
  const tag = `localhost/berth/alpha-only:${randomBytes(3).toString('hex')}`;
  const first = await build(alpha, [`FROM ${TEST_BASE_IMAGE}`, 'RUN echo alpha > /alpha', ''].join('\n'), {
    tag,
  });
  assert.equal(first.error, null, String(first.error));
  const own = await build(alpha, [`FROM ${tag}`, 'RUN cat /alpha', ''].join('\n'));
  assert.equal(own.error, null, String(own.error));
  const other = await build(testTeamId(), [`FROM ${tag}`, 'RUN cat /alpha', ''].join('\n'));
  assert.ok(other.error instanceof BerthError && other.error.code === 'BUILD_FAILED', String(other.error));
});

test('built images are handed to the engine, again and again (the team layout keeps its newest tags)', async () => {
  const team = testTeamId();
  const engine = createEngineApiClient({ socketPath: podman.socketPath, timeoutMs: 30_000 });
  const refs: string[] = [];
  for (const n of [1, 2, 3, 4, 5]) {
    const tag = `localhost/berth/handover:${randomBytes(3).toString('hex')}`;
    const built = await build(team, [`FROM ${TEST_BASE_IMAGE}`, `RUN echo ${n} > /n`, ''].join('\n'), {
      tag,
    });
    assert.equal(built.error, null, String(built.error));
    const started = Date.now();
    const id = await builder.exportToEngine(team, {
      image: tag,
      engineRef: tag,
      engine,
      signal: AbortSignal.timeout(60_000),
    });
    refs.push(tag);
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    const inspected = await engine.request({ method: 'GET', path: `/images/${tag}/json` });
    assert.equal(inspected.status, 200);
    assert.ok(Date.now() - started < 30_000);
  }
  for (const ref of refs)
    await engine.request({ method: 'DELETE', path: `/images/${ref}`, query: { force: true } });
});

/** Whether a process whose command line contains `text` runs (the sandbox's pid namespace is visible from here). */
async function buildProcesses(text: string): Promise<boolean> {
  const { readdir } = await import('node:fs/promises');
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replace(/\0/g, ' ').includes(text) && !cmdline.includes('node')) return true;
  }
  return false;
}
