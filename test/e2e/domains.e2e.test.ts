/**
 * Issue 11, custom domains through the CLI against a real `berth up --https-port`: a domain and
 * its redirecting name are served by every edge at once, without a Caddy config change; a name
 * without a certificate stays on plain HTTP (its TLS handshake fails rather than serving another
 * name's certificate); hostile and reserved names are refused with nothing written; one name, one
 * app across teams; a removed domain is a 404 at once.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Domain } from '@berth/protocol';
import { createCaddyAdmin } from '@berth/engine';
import { join } from 'node:path';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { createTestPki, httpsGet, type HttpsReply, type TestPki } from '../support/tls-edge.js';
import { BerthUnderTest, freePort } from './support/berth.js';

interface Reply {
  status: number;
  body: string;
  location: string | undefined;
}

describe('custom domains', () => {
  let berth: BerthUnderTest;
  let httpsPort: number;
  let pki: TestPki;
  let files: string;
  // One kept-alive connection to the app, used before and after every change: none may reset it.
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  const keptPorts = new Set<number>();
  async function throughKeptConnection(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: berth.httpPort,
          path: '/',
          headers: { host: 'web.localhost' },
          agent: keepAlive,
        },
        (res) => {
          keptPorts.add(res.socket.localPort ?? 0);
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  const get = (host: string, path = '/'): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: berth.httpPort, path, headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
      });
      req.on('error', reject);
      req.end();
    });

  /** The edge takes a push and its DNS refresh to follow a change: ask until it answers `status`. */
  async function until(host: string, status: number, path = '/'): Promise<Reply> {
    let last = await get(host, path);
    for (let i = 0; i < 100 && last.status !== status; i++) {
      await sleep(50);
      last = await get(host, path);
    }
    return last;
  }

  const caddyConfig = async (): Promise<unknown> =>
    createCaddyAdmin(join(berth.dataDir, 'run', 'caddy-admin.sock')).getConfig();

  before(async () => {
    await ensureExampleImages();
    pki = await createTestPki();
    files = await mkdtemp(join(tmpdir(), 'berth-e2e-certs-'));
    httpsPort = await freePort();
    berth = await BerthUnderTest.create();
    await berth.start(['--https-port', String(httpsPort)]);
    const created = await berth.cli(['apps', 'create', 'web', '--image', HELLO_V1, '--replicas', '1']);
    assert.equal(created.code, 0, created.stderr);
    const deployed = await berth.cli(['deploy', 'web']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    await throughKeptConnection();
  });
  after(async () => {
    keepAlive.destroy();
    await berth?.destroy();
    if (files) await rm(files, { recursive: true, force: true });
  });

  test('domains add serves the app on the name and redirects the other, with no Caddy config change', async () => {
    const config = await caddyConfig();
    const r = await berth.cli([
      'domains',
      'add',
      'web',
      'Shop.Example.test',
      '--redirect-from',
      'www.shop.example.test',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /shop\.example\.test now serves web \(certificate: pending\)/);
    const served = await until('shop.example.test', 200);
    assert.equal(served.status, 200, served.body);
    assert.equal(served.body, (await berth.get('web')).body, 'the same app as at web.localhost');
    // As a browser sends it: with the port, which the redirect keeps.
    const moved = await until(`www.shop.example.test:${berth.httpPort}`, 308, '/a?b=1');
    assert.equal(moved.location, `http://shop.example.test:${berth.httpPort}/a?b=1`);
    const listed = await berth.json<{ domains: Domain[] }>(['domains', 'list', 'web']);
    assert.deepEqual(
      listed.domains.map((d) => [d.name, d.kind, d.status, d.redirectTo]),
      [
        ['shop.example.test', 'primary', 'pending', null],
        ['www.shop.example.test', 'redirect', 'pending', 'shop.example.test'],
      ],
    );
    // No certificate yet: HTTPS refuses the handshake rather than serve some other name's.
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port: httpsPort, servername: 'shop.example.test' },
          () => {
            socket.end();
            resolve();
          },
        );
        socket.on('error', reject);
      }),
      /alert|ECONNRESET|socket hang up/i,
    );
    assert.deepEqual(await caddyConfig(), config, "Caddy's config never changes");
    await throughKeptConnection();
  });

  test('hostile, reserved and look-alike names are refused with 4xx and nothing is written', async () => {
    for (const name of [
      'a.com; }',
      '"',
      'a\nb.com',
      `${'a'.repeat(300)}.com`,
      'раураl.com',
      'web.localhost',
      'x.internal',
      '*.example.test',
    ]) {
      const r = await berth.cli(['domains', 'add', 'web', name]);
      assert.equal(r.code, 1, `${JSON.stringify(name)}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /error:/);
    }
    const listed = await berth.json<{ domains: Domain[] }>(['domains', 'list', 'web']);
    assert.equal(listed.domains.length, 2);
  });

  test('a name another app (of another team) holds is refused', async () => {
    for (const args of [
      ['teams', 'create', 'beta'],
      ['teams', 'allow-local-images', 'beta'],
    ]) {
      const r = await berth.cli(args);
      assert.equal(r.code, 0, r.stderr);
    }
    const created = await berth.cli(['apps', 'create', 'shop-b', '--image', HELLO_V1, '--team', 'beta']);
    assert.equal(created.code, 0, created.stderr);
    for (const name of ['shop.example.test', 'WWW.shop.example.test']) {
      const r = await berth.cli(['domains', 'add', 'shop-b', name]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /already|taken|holds/i);
    }
  });

  /** Until the edge has the certificate (a push away): verified against the test CA only. */
  async function httpsUntilServed(host: string): Promise<HttpsReply> {
    for (let i = 0; ; i++) {
      try {
        return await httpsGet(httpsPort, host, '/', pki.caPem);
      } catch (e) {
        if (i >= 100) throw e;
        await sleep(50);
      }
    }
  }

  async function writePair(names: string[], label: string): Promise<{ cert: string; key: string }> {
    const leaf = await pki.issue(names);
    const cert = join(files, `${label}.crt`);
    const key = join(files, `${label}.key`);
    await writeFile(cert, leaf.certPem);
    await writeFile(key, leaf.keyPem, { mode: 0o600 });
    return { cert, key };
  }

  test('certs add: the domain is served over verified HTTPS, its plain HTTP redirected there', async () => {
    const config = await caddyConfig();
    const mine = await writePair(['shop.example.test', 'www.shop.example.test'], 'shop');
    const r = await berth.cli(['certs', 'add', 'web', '--cert', mine.cert, '--key', mine.key]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /web now serves shop\.example\.test, www\.shop\.example\.test with this certificate/,
    );
    const secure = await httpsUntilServed('shop.example.test');
    assert.equal(secure.status, 200);
    assert.equal(secure.body, (await berth.get('web')).body);
    const moved = await until(`shop.example.test:${berth.httpPort}`, 308, '/p?q=1');
    assert.equal(moved.location, `https://shop.example.test:${httpsPort}/p?q=1`);
    const www = await until(`www.shop.example.test:${berth.httpPort}`, 308, '/p');
    assert.equal(www.location, `https://shop.example.test:${httpsPort}/p`);
    const listed = await berth.json<{ domains: Domain[] }>(['domains', 'list', 'web']);
    assert.deepEqual(
      listed.domains.map((d) => [d.name, d.status]),
      [
        ['shop.example.test', 'issued'],
        ['www.shop.example.test', 'issued'],
      ],
    );
    assert.match(listed.domains[0]?.issuer ?? '', /^uploaded: /);
    assert.deepEqual(await caddyConfig(), config, "Caddy's config never changes");
    await throughKeptConnection();
  });

  test('certs add refuses a certificate for names the app does not hold, or with the wrong key', async () => {
    const other = await writePair(['other.example.test'], 'other');
    const r = await berth.cli(['certs', 'add', 'web', '--cert', other.cert, '--key', other.key]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /--cert: names other\.example\.test: none of web's domains/);
    const mine = await writePair(['shop.example.test'], 'mismatch');
    const wrong = await berth.cli(['certs', 'add', 'web', '--cert', mine.cert, '--key', other.key]);
    assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
    assert.match(wrong.stderr, /--key: it is not the private key of the certificate/);
  });

  test('apps create --domain: the app and its domain in one transaction, or neither', async () => {
    const bad = await berth.cli(['apps', 'create', 'half', '--image', HELLO_V1, '--domain', 'a.com; }']);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /--domain/);
    assert.equal((await berth.cli(['apps', 'show', 'half'])).code, 1, 'no app without its domain');
    // The name another app holds: refused by the store, inside the app's transaction.
    const taken = await berth.cli([
      'apps',
      'create',
      'half',
      '--image',
      HELLO_V1,
      '--domain',
      'shop.example.test',
    ]);
    assert.equal(taken.code, 1, taken.stdout + taken.stderr);
    assert.equal((await berth.cli(['apps', 'show', 'half'])).code, 1, 'rolled back with the domain');
    const made = await berth.cli([
      'apps',
      'create',
      'whole',
      '--image',
      HELLO_V1,
      '--domain',
      'whole.example.test',
    ]);
    assert.equal(made.code, 0, made.stdout + made.stderr);
    const listed = await berth.json<{ domains: Domain[] }>(['domains', 'list', 'whole']);
    assert.deepEqual(
      listed.domains.map((d) => d.name),
      ['whole.example.test'],
    );
  });

  test('a host nobody serves is a 404 at once; a removed domain becomes one', async () => {
    const started = performance.now();
    assert.equal((await get('nobody.example.test')).status, 404);
    assert.ok(performance.now() - started < 2000);
    const r = await berth.cli(['domains', 'remove', 'web', 'shop.example.test', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { removed: string[] }).removed.sort(), [
      'shop.example.test',
      'www.shop.example.test',
    ]);
    assert.equal((await until('shop.example.test', 404)).status, 404);
    assert.equal((await until('www.shop.example.test', 404)).status, 404);
    assert.equal((await berth.get('web')).status, 200, 'the app itself is untouched');
    const again = await berth.cli(['domains', 'remove', 'web', 'shop.example.test']);
    assert.equal(again.code, 1);
    await throughKeptConnection();
    assert.equal(keptPorts.size, 1, 'the kept-alive connection was never reset');
  });
});
