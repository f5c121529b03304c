// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * The agent link over wss:// to a real berthd serving beyond loopback: with the CA's fingerprint
 * the agent connects and is welcomed; with another fingerprint it never speaks to that server and
 * says why. (The fleet's agents connect this way; the local agent keeps ws:// on 127.0.0.1.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { Link, loadOrCreateIdentity, type AgentIdentity } from '@berth/agent';
import { parseServerConfig, startBerthd, type Berthd } from '@berth/server';
import { pino } from 'pino';

let dir: string;
let berthd: Berthd;
let identity: AgentIdentity;
const links: Link[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-link-'));
  identity = await loadOrCreateIdentity(join(dir, 'agent'));
  berthd = await startBerthd(
    parseServerConfig({
      BERTHD_DATA_DIR: join(dir, 'data'),
      BERTHD_HOST: '127.0.0.2',
      BERTHD_PORT: '0',
      BERTHD_LOCAL_AGENT_KEY: join(dir, 'agent', 'identity.pub'),
    }),
    { worker: false },
  );
});
after(async () => {
  for (const link of links) link.stop();
  await berthd?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts a link; resolves on the first of: welcomed, or a log line at warn level or above. */
function startLink(fingerprint: string): Promise<{ connected: boolean; warning: string | null }> {
  return new Promise((resolve) => {
    const lines = new Writable({
      write(chunk: Buffer, _encoding, done) {
        const line = JSON.parse(chunk.toString()) as { level: number; msg: string; err?: string };
        if (line.level >= 40) resolve({ connected: false, warning: `${line.msg}: ${line.err ?? ''}` });
        done();
      },
    });
    const url = berthd.url.replace(/^https:/, 'wss:') + '/api/v1/agent/connect';
    const link = new Link(
      { url, fingerprint },
      identity,
      'local',
      'test',
      {
        onConnected: () => resolve({ connected: true, warning: null }),
        onDesired: () => undefined,
        onRpc: () => undefined,
        onRpcCancel: () => undefined,
        onRpcInput: () => undefined,
      },
      pino({ level: 'warn' }, lines),
    );
    links.push(link);
    link.start();
  });
}

test('with the CA fingerprint the agent connects over wss:// and is welcomed', async () => {
  assert.deepEqual(await startLink(berthd.caFingerprint ?? ''), { connected: true, warning: null });
});

test('with another fingerprint it never speaks to the server, and says so', async () => {
  const result = await startLink(`sha256:${'1'.repeat(64)}`);
  assert.equal(result.connected, false);
  assert.match(
    result.warning ?? '',
    /cannot reach berthd safely: .*does not present the CA with fingerprint sha256:1{64}/,
  );
});
