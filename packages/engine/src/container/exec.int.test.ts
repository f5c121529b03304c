import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMIT_DEFAULTS } from '@berth/protocol';
import { createDockerApiEngine, type ContainerEngine, type ExecSession } from '@berth/engine';
import { ensureExampleImages, HELLO_PORT, HELLO_V1 } from '../../../../test/support/images.js';
import { removeContainersByLabel, startTestPodman, testBridgeName } from '../../../../test/support/podman.js';
import type { TestPodman } from '../../../../test/support/podman.js';

/**
 * `berth exec` at the engine: a command in a hardened replica, streamed both ways, with its
 * exit code; it runs with the container's restrictions, not the host's.
 */

const RUN = `x${process.pid}x${Date.now().toString(36)}`;
const RUN_LABEL = 'berth.test.run';
const NETWORK = `berth-exectest-${RUN}`;
let dir: string;
let podman: TestPodman;
let engine: ContainerEngine;
let containerId: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-exec-'));
  const [started] = await Promise.all([startTestPodman(dir), ensureExampleImages()]);
  podman = started;
  engine = createDockerApiEngine({ socketPath: podman.socketPath, timeoutMs: 10_000 });
  const imageId = (await engine.resolveImage(HELLO_V1)).imageId;
  await engine.ensureNetwork({ name: NETWORK, bridge: testBridgeName(RUN), labels: { [RUN_LABEL]: RUN } });
  const c = await engine.createAndStart({
    name: `berth-exectest-${RUN}`,
    imageId,
    env: { SECRETISH: 'in-the-env' },
    command: null,
    labels: { [RUN_LABEL]: RUN },
    port: HELLO_PORT,
    publishHost: '127.0.0.1',
    network: NETWORK,
    limits: LIMIT_DEFAULTS,
    files: [],
  });
  containerId = c.id;
});

after(async () => {
  if (podman) {
    await removeContainersByLabel(podman.socketPath, `${RUN_LABEL}=${RUN}`);
    await engine.removeNetwork(NETWORK);
    await podman.stop();
  }
  await rm(dir, { recursive: true, force: true });
});

async function drain(session: ExecSession): Promise<{ stdout: string; stderr: string; code: number | null }> {
  let stdout = '';
  let stderr = '';
  for await (const o of session.output) {
    if (o.stream === 'stdout') stdout += o.data.toString();
    else stderr += o.data.toString();
  }
  return { stdout, stderr, code: await session.exitCode() };
}

test('a command runs with its argv as given, output split by stream, and its exit code', async () => {
  const session = await engine.exec(containerId, {
    cmd: ['sh', '-c', 'echo "$1"; echo oops >&2; exit 3', 'sh', 'a b; $(x)'],
    tty: false,
    size: null,
  });
  session.closeInput();
  assert.deepEqual(await drain(session), { stdout: 'a b; $(x)\n', stderr: 'oops\n', code: 3 });
});

test('stdin reaches the command, and its end ends a shell that reads it', async () => {
  const session = await engine.exec(containerId, { cmd: ['/bin/sh'], tty: false, size: null });
  const result = drain(session);
  await session.write(Buffer.from('echo from-stdin\n'));
  await session.write(Buffer.from('echo "$SECRETISH"\n'));
  session.closeInput();
  assert.deepEqual(await result, { stdout: 'from-stdin\nin-the-env\n', stderr: '', code: 0 });
});

test('with a TTY the output is the terminal, at the size asked for', async () => {
  const session = await engine.exec(containerId, {
    cmd: ['sh', '-c', 'stty size; exit 0'],
    tty: true,
    size: { cols: 123, rows: 45 },
  });
  const { stdout, code } = await drain(session);
  assert.equal(code, 0);
  assert.match(stdout, /45 123/);
});

test('the command has the container’s restrictions: no new privileges, its capabilities, its pid namespace', async () => {
  const session = await engine.exec(containerId, {
    cmd: [
      'sh',
      '-c',
      'grep -E "^(NoNewPrivs|CapEff|CapBnd)" /proc/self/status; grep -E "^CapBnd" /proc/1/status; ls /proc | grep -cE "^[0-9]+$"',
    ],
    tty: false,
    size: null,
  });
  session.closeInput();
  const { stdout, code } = await drain(session);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /NoNewPrivs:\s+1/);
  const bounds = [...stdout.matchAll(/CapBnd:\s+([0-9a-f]+)/g)].map((m) => m[1]);
  assert.equal(bounds.length, 2);
  assert.equal(bounds[0], bounds[1], 'the same capability bound as the container’s own process');
  assert.notEqual(bounds[0], '000001ffffffffff', 'not the host’s full set');
  const processes = Number(stdout.trim().split('\n').at(-1));
  assert.ok(processes < 20, `sees only the container's processes, not the host's (${processes})`);
});

test('a command that does not exist fails with the engine’s reason', async () => {
  await assert.rejects(
    async () => {
      const s = await engine.exec(containerId, { cmd: ['/no/such/thing'], tty: false, size: null });
      s.closeInput();
      const r = await drain(s);
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}${r.stdout}`);
    },
    (err: unknown) => err instanceof Error && /no such file|not found|exit 12[67]/i.test(err.message),
  );
});

async function processes(): Promise<string> {
  const s = await engine.exec(containerId, { cmd: ['ps', '-o', 'pid,stat,args'], tty: false, size: null });
  s.closeInput();
  return (await drain(s)).stdout;
}

/** Polls until the check holds (or fails after 10 s), so the test waits on a condition, not a clock. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Live (not zombie) processes running `sleep <seconds>`. */
const sleeping = (ps: string, seconds: number): number =>
  ps.split('\n').filter((l) => l.includes(`sleep ${seconds}`) && !/\sZ/.test(l)).length;

for (const tty of [false, true]) {
  test(`closing a session (tty: ${tty}) kills what it runs, children and background jobs too`, async () => {
    const session = await engine.exec(containerId, {
      cmd: ['sh', '-c', 'sleep 901 & sleep 902'],
      tty,
      size: null,
    });
    await until(async () => {
      const ps = await processes();
      return sleeping(ps, 901) === 1 && sleeping(ps, 902) === 1;
    }, 'both sleeps run');
    await session.close();
    await until(async () => {
      const ps = await processes();
      return sleeping(ps, 901) === 0 && sleeping(ps, 902) === 0;
    }, 'no sleep is left');
    const ps = await processes();
    assert.match(ps, /httpd/, 'the app’s own process is untouched');
  });
}
