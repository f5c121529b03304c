/**
 * README "Reach it remotely", walked through as a person on another machine would: `berth up
 * --api-host … --public-url …` prints a `berth login --url … --fingerprint …` line; a CLI with
 * its own config and no data dir logs in with it and keeps the pin for later commands; a wrong
 * fingerprint, no fingerprint and plain HTTP are refused; `berth webhooks show` gives the public
 * URL; and the serving certificate, renewed under a short lifetime, keeps serving the pinned CLI
 * without a new login. 127.0.0.2 stands for the server's network address.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { publicKeyFingerprint } from '@berth/crypto';
import { ensureExampleImages, HELLO_PORT, HELLO_V1 } from '../support/images.js';
import { BerthUnderTest, type CliResult } from './support/berth.js';

const HOST = '127.0.0.2';
/** Short, so the test sees a renewal; the default is 7 days. */
const CERT_LIFETIME_MS = 5_000;

/** The serial of the certificate served at host:port now (read without trusting it). */
function servedSerial(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('reach it remotely: the CLI over TLS with the CA fingerprint', () => {
  let berth: BerthUnderTest;
  let home: string;
  let login: { url: string; fingerprint: string };
  const dirs: string[] = [];

  const newHome = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-remote-'));
    dirs.push(dir);
    return dir;
  };
  /** The CLI as the remote person runs it: their own config, no data dir of a local Berth. */
  const remote = (
    configHome: string,
    args: string[],
    env: Record<string, string> = {},
    input = '',
  ): Promise<CliResult> =>
    berth.cli(
      args,
      { XDG_CONFIG_HOME: configHome, BERTH_DATA_DIR: join(configHome, 'no-data-dir'), ...env },
      input,
    );

  before(async () => {
    berth = await BerthUnderTest.create();
    await berth.start(['--api-host', HOST, '--public-url', `https://${HOST}:${berth.apiPort}`], {
      BERTHD_TLS_CERT_LIFETIME_MS: String(CERT_LIFETIME_MS),
    });
    home = await newHome();
    const line = /berth login --url (https:\/\/\S+) --fingerprint (sha256:[0-9a-f]{64})/.exec(berth.output);
    assert.ok(line?.[1] && line[2], `berth up prints the login line:\n${berth.output}`);
    login = { url: line[1], fingerprint: line[2] };
  });
  after(async () => {
    await berth?.destroy();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('berth up prints the public URL and the fingerprint of the CA it made in the data dir', async () => {
    assert.equal(login.url, `https://${HOST}:${berth.apiPort}`);
    assert.equal(
      login.fingerprint,
      publicKeyFingerprint(await readFile(join(berth.dataDir, 'ca.crt'), 'utf8')),
    );
    // The local CLI (the data dir's URL and admin token) keeps plain HTTP on 127.0.0.1.
    const created = await berth.cli(
      ['users', 'create', 'ann@example.com', '--role', 'admin', '--password-stdin'],
      {},
      'ann-password-123\n',
    );
    assert.equal(created.code, 0, created.stdout + created.stderr);
  });

  test('login with the fingerprint works, and later commands to that URL keep pinning it', async () => {
    const r = await remote(
      home,
      [
        'login',
        '--url',
        login.url,
        '--fingerprint',
        login.fingerprint,
        '--email',
        'ann@example.com',
        '--password-stdin',
      ],
      {},
      'ann-password-123\n',
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`Pinned berthd's CA ${login.fingerprint}`));
    const saved = JSON.parse(await readFile(join(home, 'berth', 'credentials.json'), 'utf8')) as {
      sessions: Record<string, { fingerprint?: string }>;
    };
    assert.equal(saved.sessions[login.url]?.fingerprint, login.fingerprint);
    const me = await remote(home, ['whoami', '--json'], { BERTH_URL: login.url });
    assert.equal(me.code, 0, me.stderr);
    assert.equal((JSON.parse(me.stdout) as { name: string }).name, 'ann@example.com');
  });

  test('webhooks show gives the public URL', async () => {
    const env = { BERTH_URL: login.url };
    const created = await remote(
      home,
      ['apps', 'create', 'api', '--git', 'https://git.example.com/acme/api.git'],
      env,
    );
    assert.equal(created.code, 0, created.stdout + created.stderr);
    const hook = await remote(home, ['webhooks', 'show', 'api', '--json'], env);
    assert.equal(hook.code, 0, hook.stderr);
    assert.equal(
      (JSON.parse(hook.stdout) as { url: string }).url.startsWith(`${login.url}/api/v1/webhooks/`),
      true,
      hook.stdout,
    );
  });

  test('a deploy, and an exec session (a WebSocket), go over the same pinned TLS', async () => {
    await ensureExampleImages();
    const env = { BERTH_URL: login.url };
    const app = ['--image', HELLO_V1, '--port', String(HELLO_PORT), '--health-path', '/'];
    const created = await remote(home, ['apps', 'create', 'web', ...app], env);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    const deployed = await remote(home, ['deploy', 'web'], env);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    const exec = await remote(home, ['exec', 'web', '--', 'echo', 'over-tls'], env);
    assert.deepEqual([exec.code, exec.stdout], [0, 'over-tls\n'], exec.stderr);
  });

  test('a wrong fingerprint, or none, is refused with exit 3 before any credential is sent', async () => {
    const stranger = await newHome();
    const wrong = await remote(
      stranger,
      [
        'login',
        '--url',
        login.url,
        '--fingerprint',
        `sha256:${'0'.repeat(64)}`,
        '--email',
        'ann@example.com',
        '--password-stdin',
      ],
      {},
      'ann-password-123\n',
    );
    assert.equal(wrong.code, 3, wrong.stdout + wrong.stderr);
    assert.match(
      wrong.stderr,
      new RegExp(
        `does not present the CA with fingerprint sha256:0{64} \\(its CA has ${login.fingerprint}\\)`,
      ),
    );
    await assert.rejects(readFile(join(stranger, 'berth', 'credentials.json')), { code: 'ENOENT' });
    const none = await remote(stranger, ['whoami', '--url', login.url]);
    assert.equal(none.code, 3, none.stdout + none.stderr);
    assert.match(none.stderr, /did not verify \(SELF_SIGNED_CERT_IN_CHAIN/);
    assert.match(none.stderr, /--fingerprint/);
  });

  test('plain HTTP to the public address is refused', async () => {
    const res = await fetch(`http://${HOST}:${berth.apiPort}/api/v1/health`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, 'TLS_REQUIRED');
    const cli = await remote(home, ['whoami', '--url', `http://${HOST}:${berth.apiPort}`]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /speaks HTTPS only beyond this machine/);
  });

  test('a renewed serving certificate keeps serving the pinned CLI, without a new login', async () => {
    const first = await servedSerial(HOST, berth.apiPort);
    let now = first;
    for (const deadline = Date.now() + CERT_LIFETIME_MS; now === first && Date.now() < deadline;) {
      await sleep(100);
      now = await servedSerial(HOST, berth.apiPort);
    }
    assert.notEqual(now, first, 'renewed within the lifetime');
    const me = await remote(home, ['apps', 'list', '--json'], { BERTH_URL: login.url });
    assert.equal(me.code, 0, me.stderr);
    assert.deepEqual((JSON.parse(me.stdout) as { name: string }[]).map((a) => a.name).sort(), ['api', 'web']);
  });
});
