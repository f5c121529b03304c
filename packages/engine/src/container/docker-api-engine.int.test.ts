import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { LIMIT_DEFAULTS, isBerthError } from '@berth/protocol';
import type { ErrorCode } from '@berth/protocol';
import { createDockerApiEngine } from '@berth/engine';
import type {
  ContainerDetails,
  ContainerEngine,
  ContainerLogLine,
  ReplicaContainerSpec,
} from '@berth/engine';
import { ensureExampleImages, HELLO_PORT, HELLO_V1 } from '../../../../test/support/images.js';
import { removeContainersByLabel, startTestPodman, testBridgeName } from '../../../../test/support/podman.js';
import type { TestPodman } from '../../../../test/support/podman.js';

const RUN = `t${process.pid}x${Date.now().toString(36)}`;
const RUN_LABEL = 'berth.test.run';
let seq = 0;

let dir: string;
let podman: TestPodman;
let engine: ContainerEngine;
let helloId: string;
const NETWORK = `berth-enginetest-${RUN}`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-engine-'));
  const [started] = await Promise.all([startTestPodman(dir), ensureExampleImages()]);
  podman = started;
  engine = createDockerApiEngine({ socketPath: podman.socketPath, timeoutMs: 10_000 });
  helloId = (await engine.resolveImage(HELLO_V1)).imageId;
  await engine.ensureNetwork({ name: NETWORK, bridge: testBridgeName(RUN), labels: { [RUN_LABEL]: RUN } });
});

after(async () => {
  if (podman) {
    await removeContainersByLabel(podman.socketPath, `${RUN_LABEL}=${RUN}`);
    await engine.removeNetwork(NETWORK);
    await podman.stop();
  }
  await rm(dir, { recursive: true, force: true });
});

/** A spec with a unique name and a label of its own, so each test finds only its containers. */
function spec(
  env: Record<string, string> = {},
  overrides: Partial<ReplicaContainerSpec> = {},
): ReplicaContainerSpec {
  const name = `berth-enginetest-${RUN}-${++seq}`;
  return {
    name,
    imageId: helloId,
    env,
    command: null,
    labels: { [RUN_LABEL]: RUN, 'berth.test.name': name },
    port: HELLO_PORT,
    publishHost: '127.0.0.1',
    network: NETWORK,
    limits: LIMIT_DEFAULTS,
    files: [],
    ...overrides,
  };
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function eventually<T>(
  what: string,
  fn: () => Promise<T | null | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await fn();
      if (value !== null && value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen in ${timeoutMs} ms (last error: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function collect(lines: AsyncIterable<ContainerLogLine>): Promise<ContainerLogLine[]> {
  const out: ContainerLogLine[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

async function rejectsWith(promise: Promise<unknown>, codes: ErrorCode[]): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isBerthError(err), `expected a BerthError, got ${String(err)}`);
    assert.ok(codes.includes(err.code), `expected ${codes.join(' or ')}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected ${codes.join(' or ')}, but it succeeded`);
}

const byName = async (name: string): Promise<ContainerDetails[]> => engine.list({ 'berth.test.name': name });

test('info reports Podman', async () => {
  const info = await engine.info();
  assert.equal(info.kind, 'podman');
  assert.match(info.version, /^\d+\.\d+/);
  assert.match(info.apiVersion, /^1\.\d+$/);
});

test("capacity is the host's CPUs and memory, as the engine sees them", async () => {
  const capacity = await engine.capacity();
  assert.equal(capacity.cpuMillis, availableParallelism() * 1000);
  // The engine reads /proc/meminfo as the OS does; allow a MiB of rounding between the two.
  assert.ok(
    Math.abs(capacity.memoryMib - Math.floor(totalmem() / 1024 / 1024)) <= 1,
    String(capacity.memoryMib),
  );
});

test('resolveImage finds an image in the store without pulling', async () => {
  const resolved = await engine.resolveImage(HELLO_V1);
  assert.equal(resolved.pulled, false);
  assert.match(resolved.imageId, /^sha256:[0-9a-f]{64}$/);
});

test('resolveImage takes only the exact name: not a short name, an id prefix or a digest under another name', async () => {
  const found = await engine.resolveImage(HELLO_V1);
  assert.equal(found.builtFor, null, 'not built by Berth');
  const hex = helloId.slice('sha256:'.length);
  // Each would find HELLO_V1 through the engine's own lookup; Berth asks for the name it means.
  for (const ref of [
    HELLO_V1.replace(/^localhost\//, ''),
    hex.slice(0, 12),
    `docker.io/library/${hex.slice(0, 12)}`,
  ]) {
    await rejectsWith(engine.resolveImage(ref), ['DEPLOY_IMAGE_NOT_FOUND', 'DEPLOY_IMAGE_PULL_FAILED']);
  }
  const digests = await imageDigests(HELLO_V1);
  const [digest] = digests.map((d) => d.slice(d.indexOf('@') + 1));
  assert.ok(digest, `${HELLO_V1} has a digest: ${JSON.stringify(digests)}`);
  assert.equal((await engine.resolveImage(`${HELLO_V1.split(':')[0]}@${digest}`)).imageId, helloId);
  await rejectsWith(engine.resolveImage(`localhost/other-name@${digest}`), [
    'DEPLOY_IMAGE_NOT_FOUND',
    'DEPLOY_IMAGE_PULL_FAILED',
  ]);
});

/** RepoDigests of a local image, straight from the engine. */
function imageDigests(ref: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    get({ socketPath: podman.socketPath, path: `/v1.41/images/${ref}/json` }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve((JSON.parse(body) as { RepoDigests?: string[] }).RepoDigests ?? []));
    }).on('error', reject);
  });
}

test('resolveImage of a missing localhost image fails fast and clearly', async () => {
  const started = Date.now();
  const err = await rejectsWith(engine.resolveImage('localhost/does-not-exist:1'), [
    'DEPLOY_IMAGE_NOT_FOUND',
    'DEPLOY_IMAGE_PULL_FAILED',
  ]);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.match(err.message, /localhost\/does-not-exist:1/);
});

test('createAndStart publishes the port; env reaches the app; list finds it by label', async () => {
  const s = spec({ GREETING: 'from the test' });
  const started = await engine.createAndStart(s);
  assert.equal(started.name, s.name);
  assert.equal(started.status, 'running');
  assert.ok(started.published, 'published port');
  assert.equal(started.published.host, '127.0.0.1');
  const port = started.published.port;
  const body = await eventually('the app answering', () => httpGet(port));
  assert.equal(body.trim(), 'hello v1 from the test');

  const listed = await byName(s.name);
  assert.equal(listed.length, 1);
  const [c] = listed;
  assert.equal(c!.id, started.id);
  assert.equal(c!.status, 'running');
  assert.equal(c!.labels[RUN_LABEL], RUN);
  assert.deepEqual(c!.published, started.published);
  assert.ok(c!.startedAtMs !== null && Math.abs(c!.startedAtMs - Date.now()) < 60_000);
  assert.equal(c!.exitCode, null);

  const tail = await collect(engine.logs(started.id, { tail: 50, follow: false }));
  assert.ok(
    tail.some((l) => l.stream === 'stdout' && l.line === 'hello v1 starting on port 8080'),
    JSON.stringify(tail),
  );
  assert.ok(
    tail.some((l) => l.stream === 'stderr' && /response:200/.test(l.line)),
    JSON.stringify(tail),
  );
  assert.ok(
    tail.every((l) => !Number.isNaN(Date.parse(l.at))),
    'every line has a timestamp',
  );
  const last = await collect(engine.logs(started.id, { tail: 1, follow: false }));
  assert.equal(last.length, 1);

  await engine.stopAndRemove(started.id, 5);
  await engine.stopAndRemove(started.id, 5);
  assert.deepEqual(await byName(s.name), []);
});

test('logs follow sees lines written after it started, and stops on abort', async () => {
  const started = await engine.createAndStart(spec());
  const port = started.published!.port;
  await eventually('the app answering', () => httpGet(port));

  const controller = new AbortController();
  const seen: ContainerLogLine[] = [];
  const following = (async () => {
    for await (const line of engine.logs(started.id, { tail: 0, follow: true, signal: controller.signal })) {
      seen.push(line);
      if (line.stream === 'stderr' && /response:200/.test(line.line)) controller.abort();
    }
  })();
  // The follower connects asynchronously: keep making requests until it has seen one.
  await eventually('a followed line', async () => {
    await httpGet(port);
    return seen.length > 0 ? true : null;
  });
  await following; // ends on abort rather than hanging
  assert.ok(seen.some((l) => /response:200/.test(l.line)));
  await engine.stopAndRemove(started.id, 5);
});

test('logs follow ends when the container stops', async () => {
  const started = await engine.createAndStart(spec());
  const lines: ContainerLogLine[] = [];
  const following = (async () => {
    for await (const line of engine.logs(started.id, { tail: 10, follow: true })) lines.push(line);
  })();
  // Stopped only once the follower is attached (it has the first line): a stop that came before
  // its request reached the engine would leave it nothing to follow, which is not what is tested.
  await eventually('the follower has the first line', () => Promise.resolve(lines.length > 0 ? 1 : null));
  await engine.stopAndRemove(started.id, 5);
  await following; // ends with the container rather than hanging
  assert.ok(
    lines.some((l) => l.line.startsWith('hello v1 starting')),
    JSON.stringify(lines),
  );
});

test('a crashing container is reported exited with its code and its last words', async () => {
  const s = spec({ CRASH: '1' });
  const started = await engine.createAndStart(s);
  const exited = await eventually('exit', async () =>
    (await byName(s.name)).find((c) => c.status === 'exited'),
  );
  assert.equal(exited.id, started.id);
  assert.equal(exited.exitCode, 3);
  assert.equal(exited.published, null);
  const lines = await collect(engine.logs(started.id, { tail: 20, follow: false }));
  assert.ok(
    lines.some((l) => l.stream === 'stderr' && l.line === 'fatal: CRASH is set'),
    JSON.stringify(lines),
  );
  await engine.stopAndRemove(started.id, 1);
  await engine.stopAndRemove(started.id, 1);
});

test('create failure: an image id not in the store fails with DEPLOY_START_FAILED, leaving nothing', async () => {
  const s = spec({}, { imageId: `sha256:${'0'.repeat(64)}` });
  await rejectsWith(engine.createAndStart(s), ['DEPLOY_START_FAILED']);
  assert.deepEqual(await byName(s.name), []);
});

test('start failure: an unbindable address fails with DEPLOY_START_FAILED and removes the container', async () => {
  const s = spec({}, { publishHost: '192.0.2.1' }); // TEST-NET-1: not an address of this host
  const err = await rejectsWith(engine.createAndStart(s), ['DEPLOY_START_FAILED']);
  assert.match(err.message, /192\.0\.2\.1|assign/);
  assert.deepEqual(await byName(s.name), []);
});

test('a name that is taken fails clearly and leaves the existing container alone', async () => {
  const s = spec();
  const first = await engine.createAndStart(s);
  const err = await rejectsWith(engine.createAndStart({ ...s, labels: { ...s.labels, other: '1' } }), [
    'DEPLOY_START_FAILED',
  ]);
  assert.match(err.message, /already exists/);
  const listed = await byName(s.name);
  assert.deepEqual(
    listed.map((c) => [c.id, c.status]),
    [[first.id, 'running']],
  );
  await engine.stopAndRemove(first.id, 5);
});

test('stopAndRemove of an unknown container is not an error', async () => {
  await engine.stopAndRemove(`berth-enginetest-${RUN}-never-existed`, 1);
});

test('an unreachable socket is ENGINE_UNAVAILABLE naming the socket', async () => {
  const missing = join(dir, 'nothing-here.sock');
  const err = await rejectsWith(createDockerApiEngine({ socketPath: missing }).info(), [
    'ENGINE_UNAVAILABLE',
  ]);
  assert.ok(err.message.includes(missing), err.message);
});
