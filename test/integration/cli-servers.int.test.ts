/**
 * `berth servers` against a real berthd serving HTTPS beyond loopback with its own CA: the join
 * command carries that CA's fingerprint for the agent to pin, and every command answers in
 * text and --json with the documented exit codes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateEd25519KeyPair, generateSealingKeyPair, loadEd25519Signer } from '@berth/crypto';
import {
  agentJoinPayload,
  parseJoinToken,
  type ServerJoinCommand,
  type ServerListing,
} from '@berth/protocol';
import { parseServerConfig, startBerthd, type Berthd } from '@berth/server';

const CLI = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
let dir: string;
let berthd: Berthd;
let token: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-cli-servers-'));
  berthd = await startBerthd(
    parseServerConfig({ BERTHD_DATA_DIR: join(dir, 'data'), BERTHD_HOST: '127.0.0.2', BERTHD_PORT: '0' }),
    { worker: false },
  );
  token = (await readFile(join(dir, 'data', 'admin.token'), 'utf8')).trim();
});
after(async () => {
  await berthd?.close();
  await rm(dir, { recursive: true, force: true });
});

/** What the joining agent does: POST over HTTPS, trusting berthd's own CA only. */
async function postJson(url: string, body: unknown): Promise<{ status: number; body: string }> {
  const ca = await readFile(join(dir, 'data', 'ca.crt'));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function berth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    BERTH_URL: berthd.url,
    BERTH_TOKEN: token,
    BERTH_FINGERPRINT: berthd.caFingerprint ?? '',
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('servers add → the agent joins → list, show, drain, remove; errors exit 1 with the next command', async () => {
  const added = await berth(
    'servers',
    'add',
    'web-2',
    '--label',
    'zone=b',
    '--label',
    'role=edge',
    '--ttl',
    '2h',
    '--json',
  );
  assert.equal(added.code, 0, added.stderr);
  const join = JSON.parse(added.stdout) as ServerJoinCommand;
  assert.ok(berthd.caFingerprint);
  assert.equal(parseJoinToken(join.token).caFingerprint, berthd.caFingerprint, 'the token pins berthd’s CA');
  assert.equal(join.command, `berth agent join ${berthd.url} ${join.token}`);

  const text = await berth('servers', 'add', 'web-3');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /run this once before .*a single time/);
  assert.match(
    text.stdout,
    /\n {2}berth agent join https:\/\/127\.0\.0\.2:\d+ bj1\.[A-Za-z0-9_-]{43}\.[0-9a-f]{64}\n/,
  );

  const dup = await berth('servers', 'add', 'web-2');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);

  const key = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const joined = await postJson(`${berthd.url}/api/v1/agent/join`, {
    token: join.token,
    publicKey: key.publicKey,
    sealingKey: generateSealingKeyPair().publicKey,
    signature: key.sign(agentJoinPayload(join.token)),
    agentVersion: '0.1.0',
    capacity: { cpuMillis: 2000, memoryMib: 2048 },
  });
  assert.equal(joined.status, 201, joined.body);

  const list = await berth('servers', 'list');
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^NAME\s+STATE\s+STATUS\s+LABELS\s+CAPACITY\s+AGENT\s+LAST SEEN/);
  assert.match(
    list.stdout,
    /web-2\s+active\s+offline\s+zone=b,role=edge\s+2 CPU, 2048 MiB\s+0\.1\.0\s+never/,
  );
  assert.match(list.stdout, /Waiting to join:\n.*\nweb-3 /);
  const listed = JSON.parse((await berth('servers', 'list', '--json')).stdout) as ServerListing;
  assert.deepEqual(
    listed.servers.map((s) => s.name),
    ['web-2'],
  );
  assert.deepEqual(
    listed.pending.map((p) => p.name),
    ['web-3'],
  );

  const drained = await berth('servers', 'drain', 'web-2', '--json');
  assert.equal((JSON.parse(drained.stdout) as { state: string }).state, 'draining');
  assert.match((await berth('servers', 'show', 'web-2')).stdout, /state:\s+draining/);
  assert.match((await berth('servers', 'undrain', 'web-2')).stdout, /web-2 is active/);

  const labelled = await berth('servers', 'label', 'web-2', 'tier=gold', 'role-');
  assert.equal(labelled.code, 0, labelled.stderr);
  assert.equal(labelled.stdout, 'web-2: zone=b,tier=gold\n');

  const approve = await berth('servers', 'approve', 'web-2');
  assert.equal(approve.code, 1);
  assert.match(approve.stderr, /No new key has claimed server "web-2"/);

  assert.equal((await berth('servers', 'remove', 'web-2')).code, 0);
  const gone = await berth('servers', 'show', 'web-2');
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /There is no server named "web-2"[\s\S]*berth servers list/);
  const bad = await berth('servers', 'add', 'web-4', '--label', 'zone');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /key=value/);
});
