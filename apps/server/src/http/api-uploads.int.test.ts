// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { parseServerConfig } from '../config.js';
import { startBerthd, type Berthd } from '../server.js';
import { tarOf } from './test-support/fixtures.js';

/**
 * Uploads (`berth deploy --from-dir`) over real HTTP, to a berthd that takes at most 1 MiB: an
 * upload refused for any reason — too large, not allowed, cut off by the client — leaves no
 * byte in the uploads dir; one whose build will never run is deleted with its app, and what a
 * crash left behind is deleted at the next start.
 */

const MAX = 1024 * 1024;
let dataDir: string;
let berthd: Berthd;
let token: string;
let others: { viewer: string; stranger: string };

const uploads = (): Promise<string[]> => readdir(join(dataDir, 'uploads')).catch(() => []);

async function start(): Promise<void> {
  const config = parseServerConfig({
    BERTHD_DATA_DIR: dataDir,
    BERTHD_PORT: '0',
    BERTHD_MAX_UPLOAD_BYTES: String(MAX),
  });
  berthd = await startBerthd(config, { worker: false });
}

interface Answer {
  status: number;
  body: string;
}

/** POSTs a body to the API; `chunks` are written one by one (chunked when no length is given). */
function post(
  path: string,
  opts: { token?: string | null; chunks: Buffer[]; length?: number; type?: string; agent?: Agent },
) {
  const url = new URL(`/api/v1${path}`, berthd.url);
  const headers: Record<string, string> = { 'content-type': opts.type ?? 'application/x-tar' };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? token}`;
  if (opts.length !== undefined) headers['content-length'] = String(opts.length);
  const req = request(url, { method: 'POST', headers, ...(opts.agent ? { agent: opts.agent } : {}) });
  // The server may answer (413, 401) before the body is sent and close the connection: the
  // status counts, whatever happens to the rest of the upload.
  let answered = false;
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('error', () => undefined);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      req.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
  });
  return { req, answer };
}

async function send(path: string, opts: Parameters<typeof post>[1]): Promise<Answer> {
  const { req, answer } = post(path, opts);
  let answered = false;
  void answer.then(
    () => (answered = true),
    () => (answered = true),
  );
  for (const chunk of opts.chunks) {
    if (answered || req.destroyed) break;
    if (!req.write(chunk))
      await Promise.race([new Promise((r) => req.once('drain', r)), answer.catch(() => 0)]);
  }
  if (!req.destroyed) req.end();
  return answer;
}

async function json(method: string, path: string, body: unknown, as = token): Promise<Answer> {
  const res = await fetch(new URL(`/api/v1${path}`, berthd.url), {
    method,
    headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

/** Waits for a condition the server brings about, for at most 10 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await sleep(20);
  }
}

const MiB = (n: number): Buffer[] => Array.from({ length: n * 4 }, () => Buffer.alloc(256 * 1024, 7));

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'berth-uploads-'));
  await start();
  token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  assert.equal((await json('POST', '/apps', { name: 'site' })).status, 201);
  assert.equal((await json('POST', '/teams', { name: 'bravo' })).status, 201);
  const viewer = await json('POST', '/tokens', { name: 'viewer', role: 'viewer' });
  // The installation owner manages bravo too; the viewer of the default team cannot see it.
  assert.equal((await json('POST', '/apps', { name: 'theirs', team: 'bravo' })).status, 201);
  others = {
    viewer: (JSON.parse(viewer.body) as { token: string }).token,
    stranger: 'berth_not-a-token-of-anyone',
  };
});
after(async () => {
  await berthd?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Past the limit the server answers 413 and hangs up; a client still sending may see the reset first. */
const tooLarge = (answer: Promise<Answer>): Promise<Answer> =>
  answer.catch((err: NodeJS.ErrnoException) => {
    assert.ok(err.code === 'ECONNRESET' || err.code === 'EPIPE', String(err));
    return { status: 413, body: `(${err.code})` };
  });

test('too large, with a length or chunked: 413 and nothing kept', async () => {
  const chunked = await tooLarge(send('/apps/site/uploads', { chunks: MiB(3) }));
  assert.equal(chunked.status, 413, chunked.body);
  assert.deepEqual(await uploads(), []);
  const sized = await tooLarge(send('/apps/site/uploads', { chunks: MiB(2), length: 2 * MAX }));
  assert.equal(sized.status, 413, sized.body);
  assert.deepEqual(await uploads(), []);
});

test('a refused upload closes its connection: the next request on a kept-alive client is answered at once', async () => {
  // Left open, the unread rest of the body stalled the next request on that connection until
  // the keep-alive timeout (72 s): each refused upload is followed by a request on the same agent.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const opts of [{ chunks: MiB(3) }, { chunks: MiB(2), length: 2 * MAX }]) {
      const refused = await tooLarge(send('/apps/site/uploads', { ...opts, agent }));
      assert.equal(refused.status, 413, refused.body);
      const started = Date.now();
      const next = await send('/apps/site/uploads', { chunks: [], type: 'application/json', agent });
      assert.equal(next.status, 400, next.body);
      assert.ok(Date.now() - started < 5000, `the next request took ${Date.now() - started} ms`);
    }
  } finally {
    agent.destroy();
  }
});

test('refused callers (no token, a bad one, a viewer, an app it cannot see) leave nothing', async () => {
  for (const [as, path, status] of [
    [null, '/apps/site/uploads', 401],
    [others.stranger, '/apps/site/uploads', 401],
    [others.viewer, '/apps/site/uploads', 403],
    [others.viewer, '/apps/theirs/uploads', 404],
    [undefined, '/apps/ghost/uploads', 404],
  ] as const) {
    const res = await send(path, { token: as, chunks: MiB(1) });
    assert.equal(res.status, status, res.body);
    assert.deepEqual(await uploads(), [], `after ${status}`);
  }
});

test('a client that hangs up mid-upload leaves nothing', async () => {
  const { req, answer } = post('/apps/site/uploads', { chunks: [] });
  answer.catch(() => undefined);
  req.write(Buffer.alloc(256 * 1024, 1));
  await until('the upload is being written', async () =>
    (await uploads()).some((f) => f.endsWith('.tar') || f.endsWith('.part')),
  );
  req.destroy();
  await until('the partial upload is gone', async () => (await uploads()).length === 0);
});

test('an upload whose build never runs is deleted with its app', async () => {
  const ok = await send('/apps/site/uploads', { chunks: [tarOf({ 'index.html': 'hi\n' })] });
  assert.equal(ok.status, 202, ok.body);
  assert.equal((await uploads()).length, 1, 'kept for its build');
  const gone = await fetch(new URL('/api/v1/apps/site', berthd.url), {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(gone.status, 204);
  assert.deepEqual(await uploads(), []);
});

test('after a crash, the next start deletes what no build waits for and keeps what one does', async () => {
  assert.equal((await json('POST', '/apps', { name: 'again' })).status, 201);
  const ok = await send('/apps/again/uploads', { chunks: [tarOf({ 'index.html': 'hi\n' })] });
  assert.equal(ok.status, 202, ok.body);
  const [waiting] = await uploads();
  assert.ok(waiting);
  await writeFile(join(dataDir, 'uploads', 'bld_aaaaaaaaaaaaaaaaaaaa.tar.part'), 'torn');
  await writeFile(join(dataDir, 'uploads', 'bld_bbbbbbbbbbbbbbbbbbbb.tar'), 'no build has it');
  await berthd.close();
  await start();
  assert.deepEqual(await uploads(), [waiting]);
});
