// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * The S3 target against a real S3-compatible server: s3rver on 127.0.0.1 (test/support/s3rver.ts,
 * with a SigV4 signature check in front, which s3rver lacks). allowPrivate is on for it, as an
 * installation owner would set it for a LAN MinIO; the refusal without it is tested too.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { hostname } from 'node:os';
import { lookup } from 'node:dns/promises';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { startS3rver, type RunningS3 } from '../../../../test/support/s3rver.js';
import { createS3Target, type S3TargetOptions } from './s3-target.js';
import type { BackupTarget } from './target.js';
import { freePort } from '../../../../test/support/ports.js';

let s3: RunningS3;
const targets: BackupTarget[] = [];
before(async () => {
  s3 = await startS3rver();
});
after(async () => {
  for (const t of targets) t.close();
  await s3.stop();
});

function target(overrides: Partial<S3TargetOptions> = {}): BackupTarget {
  const t = createS3Target({
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    prefix: 'berth/',
    allowPrivate: true,
    ...overrides,
  });
  targets.push(t);
  return t;
}

async function read(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function berthError(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof BerthError, `a BerthError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

test('put, get, list and delete round trip under the prefix', async () => {
  const t = target();
  const small = randomBytes(1000);
  const stored = await t.put('db-main/2026-12-03.bak_1.berth', Readable.from([small]));
  assert.deepEqual(stored, { bytes: 1000, sha256: sha256(small) });
  await t.put('db-main/2026-12-04.bak_2.berth', Readable.from([Buffer.from('two')]));
  await t.put('volume-uploads/bak_3.berth', Readable.from([]));
  assert.ok((await read(await t.get('db-main/2026-12-03.bak_1.berth'))).equals(small));
  assert.equal((await read(await t.get('volume-uploads/bak_3.berth'))).length, 0, 'an empty object');
  assert.ok(s3.requests.some((r) => r.startsWith('PUT /berth-test/berth/db-main/2026-12-03.bak_1.berth')));

  const listed = await t.list('db-main/');
  assert.deepEqual(
    listed.map((o) => [o.key, o.bytes]),
    [
      ['db-main/2026-12-03.bak_1.berth', 1000],
      ['db-main/2026-12-04.bak_2.berth', 3],
    ],
  );
  assert.ok(listed.every((o) => Math.abs(o.modifiedAt - Date.now()) < 60_000));
  assert.equal((await t.list()).length, 3);
  assert.equal((await t.list('db-main/2026-12-04')).length, 1);
  assert.equal(
    (await target({ prefix: '' }).list('berth/')).length,
    3,
    'the same objects, seen without a prefix',
  );

  await t.delete('db-main/2026-12-03.bak_1.berth');
  await t.delete('db-main/2026-12-03.bak_1.berth'); // nothing there: not an error
  await assert.rejects(
    t.get('db-main/2026-12-03.bak_1.berth'),
    berthError('BACKUP_OBJECT_NOT_FOUND', /has no object/),
  );
  assert.deepEqual(
    (await t.list()).map((o) => o.key),
    ['db-main/2026-12-04.bak_2.berth', 'volume-uploads/bak_3.berth'],
  );
});

test('a large stream goes up in parts (multipart upload) and comes back whole', async () => {
  const t = target({ partBytes: 5 * 1024 * 1024 });
  const data = randomBytes(12 * 1024 * 1024 + 17);
  const from = s3.requests.length;
  // Uneven pieces, as a compressor would hand them over.
  const pieces = [data.subarray(0, 100), data.subarray(100, 7_000_000), data.subarray(7_000_000)];
  const stored = await t.put('big/bak_big.berth', Readable.from(pieces));
  assert.deepEqual(stored, { bytes: data.length, sha256: sha256(data) });
  const sent = s3.requests.slice(from);
  assert.ok(
    sent.some((r) => /^POST \/berth-test\/berth\/big\/bak_big\.berth\?uploads/.test(r)),
    sent.join('\n'),
  );
  assert.equal(sent.filter((r) => /^PUT .*partNumber=/.test(r)).length, 3, '5 + 5 + 2 MiB');
  assert.ok(
    sent.some((r) => /^POST .*uploadId=/.test(r)),
    'completed',
  );
  assert.ok((await read(await t.get('big/bak_big.berth'))).equals(data));
});

test('a source that fails mid-upload fails put with its own error and leaves no object', async () => {
  const t = target({ partBytes: 5 * 1024 * 1024 });
  function* failing(): Generator<Buffer> {
    yield randomBytes(6 * 1024 * 1024);
    yield randomBytes(1024);
    throw new BerthError('BACKUP_COMPRESSION_FAILED', 'zstd could not compress: it was killed by SIGKILL');
  }
  await assert.rejects(
    t.put('broken/bak_x.berth', Readable.from(failing())),
    berthError('BACKUP_COMPRESSION_FAILED', /SIGKILL/),
  );
  assert.deepEqual(await t.list('broken/'), []);
  await assert.rejects(t.get('broken/bak_x.berth'), berthError('BACKUP_OBJECT_NOT_FOUND'));
});

test("S3's own refusals reach the user: a wrong secret, an unknown key id, a missing bucket", async () => {
  const wrongSecret = target({ secretAccessKey: 'not-the-secret-at-all' });
  const refusal = berthError(
    'BACKUP_TARGET_REFUSED',
    /SignatureDoesNotMatch: The request signature we calculated/,
  );
  await assert.rejects(wrongSecret.put('x/bak_1.berth', Readable.from([Buffer.from('x')])), refusal);
  await assert.rejects(wrongSecret.list(), refusal);
  await assert.rejects(wrongSecret.get('x/bak_1.berth'), refusal);
  await wrongSecret.list().catch((e: unknown) => {
    assert.ok(e instanceof BerthError);
    assert.doesNotMatch(`${e.message} ${e.hint ?? ''}`, /not-the-secret-at-all/, 'the secret is never shown');
    assert.match(e.message, new RegExp(`^s3 ${s3.endpoint}/berth-test/berth/: cannot list`));
    assert.equal(e.retryable, false);
  });
  await assert.rejects(
    target({ accessKeyId: 'NOBODY' }).list(),
    berthError('BACKUP_TARGET_REFUSED', /InvalidAccessKeyId/),
  );
  await assert.rejects(
    target({ bucket: 'no-such-bucket' }).list(),
    berthError('BACKUP_TARGET_REFUSED', /NoSuchBucket/),
  );
});

test('an unreachable endpoint fails fast and readably: a closed port, a server that never answers', async () => {
  const closed = await freePort();
  let started = Date.now();
  await assert.rejects(
    target({ endpoint: `http://127.0.0.1:${closed}` }).list(),
    berthError('BACKUP_TARGET_FAILED', /ECONNREFUSED/),
  );
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);

  // Accepts connections and never says a word.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  try {
    started = Date.now();
    const hung = target({ endpoint: `http://127.0.0.1:${port}`, idleTimeoutMs: 500, maxAttempts: 1 });
    await assert.rejects(hung.list(), (e: unknown) => {
      assert.ok(e instanceof BerthError);
      assert.equal(e.code, 'BACKUP_TARGET_FAILED', e.message);
      assert.match(e.message, /timed? ?out/i);
      assert.equal(e.retryable, true);
      return true;
    });
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test('a transient S3 error (503 SlowDown) is retried, and the put then lands', async () => {
  // In front of s3rver: the first request is answered 503, as a busy S3 does; the rest pass through.
  const upstream = new URL(s3.endpoint);
  const seen: string[] = [];
  const flaky = http.createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (seen.length === 1) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>',
      );
      return;
    }
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  const { port } = flaky.address() as net.AddressInfo;
  try {
    const t = target({ endpoint: `http://127.0.0.1:${port}` });
    const body = randomBytes(1000);
    assert.deepEqual(await t.put('retried/one.berth', Readable.from([body])), {
      bytes: 1000,
      sha256: sha256(body),
    });
    const puts = seen.filter((r) => r.startsWith('PUT /berth-test/berth/retried/one.berth'));
    assert.equal(puts.length, 2, `the refused put, then the retry: ${seen.join(', ')}`);
    assert.ok((await read(await t.get('retried/one.berth'))).equals(body));
  } finally {
    flaky.close();
  }
});

test('hostile prefixes, keys and settings are refused before any request is sent', async () => {
  for (const prefix of [
    '../',
    'a/../',
    '/abs/',
    'x; rm -rf /',
    '$(touch m)/',
    'a b/',
    'berth',
    '%2e%2e/',
    '.hidden/',
  ]) {
    assert.throws(() => target({ prefix }), berthError('VALIDATION_FAILED', /prefix/), prefix);
  }
  for (const bucket of ['', 'A', 'a', 'has_underscore', 'x'.repeat(64), 'a..b', '../b', 'b?x=1']) {
    assert.throws(() => target({ bucket }), berthError('VALIDATION_FAILED', /bucket/), bucket);
  }
  for (const endpoint of [
    `${s3.endpoint}/path`,
    `${s3.endpoint}/?x=1`,
    'ftp://127.0.0.1',
    'http://u:p@127.0.0.1',
  ]) {
    assert.throws(() => target({ endpoint }), berthError('VALIDATION_FAILED', /endpoint/), endpoint);
  }
  assert.throws(
    () => target({ secretAccessKey: 'bad\nsecret' }),
    (e: unknown) => {
      assert.ok(e instanceof BerthError && e.code === 'VALIDATION_FAILED');
      assert.doesNotMatch(e.message, /bad/);
      return true;
    },
  );
  const t = target();
  const before = s3.requests.length;
  for (const key of ['../escape', '/abs', 'a/../../b', 'a\u0000b', '.hidden', 'a/.tmp', '$(id)', 'a b', '']) {
    await assert.rejects(t.put(key, Readable.from([Buffer.from('x')])), berthError('VALIDATION_FAILED'), key);
    await assert.rejects(t.get(key), berthError('VALIDATION_FAILED'), key);
    await assert.rejects(t.delete(key), berthError('VALIDATION_FAILED'), key);
  }
  await assert.rejects(t.list('../'), berthError('VALIDATION_FAILED'));
  assert.equal(s3.requests.length, before, 'nothing reached the server');
});

test('the SSRF guard: loopback needs allowPrivate, metadata never, and names are checked at connect time', async () => {
  assert.throws(
    () => target({ allowPrivate: false }),
    berthError('DESTINATION_NOT_ALLOWED', /127\.0\.0\.1 is a loopback address/),
  );
  assert.throws(
    () => target({ endpoint: 'http://localhost:9000', allowPrivate: false }),
    berthError('DESTINATION_NOT_ALLOWED', /localhost/),
  );
  assert.throws(
    () => target({ endpoint: 'http://169.254.169.254', allowPrivate: true }),
    berthError('DESTINATION_NOT_ALLOWED', /metadata/),
  );
  // A name that is not "localhost" but resolves to loopback passes the URL check and is refused
  // by the guarded lookup when the client connects.
  const name = hostname();
  const resolved = await lookup(name).catch(() => null);
  if (resolved === null || !resolved.address.startsWith('127.')) return;
  const port = new URL(s3.endpoint).port;
  const before = s3.requests.length;
  await assert.rejects(
    target({ endpoint: `http://${name}:${port}`, allowPrivate: false }).list(),
    berthError('DESTINATION_NOT_ALLOWED', /is a loopback address/),
  );
  assert.equal(s3.requests.length, before, 'no connection was made');
  assert.equal(
    (await target({ endpoint: `http://${name}:${port}`, allowPrivate: true }).list()).length >= 0,
    true,
  );
});
