/**
 * A private BIND 9 (Debian's `named`) for tests: authoritative for the zones asked for, on a
 * random 127.0.0.1 port, accepting RFC 2136 updates of TXT records signed with a TSIG key made
 * per start. Real DNS, for the DNS-01 providers and for Pebble to ask (`dnsAddress`).
 *
 * - `named -g -c <conf>` in the foreground (logs on stderr, kept in the start's temp dir), no
 *   chroot, no rndc (`controls {}`), recursion off; the zones and their journals live in the same
 *   temp dir, removed on stop. Stopped by PID.
 * - Every zone has `ns.<zone>` → 127.0.0.1 as its only name server, and `<zone>`/`*.<zone>` →
 *   127.0.0.1, so it can be found by NS queries too (on this server's port, not 53).
 * - `txt()` reads records back with `dig` (bind9-dnsutils), not with Berth's own DNS code.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before } from 'node:test';
import { freePort } from './ports.js';

const HOST = '127.0.0.1';
const ZONE = /^(?:[a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}$/;

export interface Bind9Key {
  name: string;
  algorithm: 'hmac-sha256' | 'hmac-sha512';
  /** base64, as tsig-keygen prints it. */
  secret: string;
}

export interface TestBind9 {
  /** `127.0.0.1:port` (UDP and TCP). */
  address: string;
  port: number;
  zones: readonly string[];
  /** The key allowed to update TXT records in every zone (HMAC-SHA256). */
  key: Bind9Key;
  /** Another one, HMAC-SHA512, allowed the same. */
  keySha512: Bind9Key;
  /** The TXT values of `fqdn` as `dig` reads them from this server. */
  txt(fqdn: string): Promise<string[]>;
  /** named's output so far. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface Bind9Options {
  /** Default `['example.test']`. */
  zones?: readonly string[];
  startTimeoutMs?: number;
}

const zoneFile = (zone: string): string =>
  [
    '$TTL 60',
    `@ IN SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 5`,
    `@ IN NS ns.${zone}.`,
    `ns IN A ${HOST}`,
    `@ IN A ${HOST}`,
    `* IN A ${HOST}`,
    '',
  ].join('\n');

function namedConf(dir: string, port: number, zones: readonly string[], keys: readonly Bind9Key[]): string {
  const grants = keys.map((key) => `grant ${key.name} zonesub TXT;`).join(' ');
  const zoneBlocks = zones.map(
    (zone) =>
      `zone "${zone}" { type primary; file "${join(dir, `${zone}.zone`)}"; ` +
      `update-policy { ${grants} }; };`,
  );
  return [
    'options {',
    `  directory "${dir}";`,
    `  pid-file "${join(dir, 'named.pid')}";`,
    `  session-keyfile "${join(dir, 'session.key')}";`,
    `  managed-keys-directory "${dir}";`,
    `  listen-on port ${port} { ${HOST}; };`,
    '  listen-on-v6 { none; };',
    '  recursion no;',
    '  notify no;',
    '  dnssec-validation no;',
    '  allow-transfer { none; };',
    '};',
    'controls { };',
    ...keys.map((key) => `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };`),
    ...zoneBlocks,
    '',
  ].join('\n');
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startBind9(options: Bind9Options = {}): Promise<TestBind9> {
  const zones = options.zones ?? ['example.test'];
  for (const zone of zones) if (!ZONE.test(zone)) throw new Error(`not a test zone name: ${zone}`);
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  const dir = await mkdtemp(join(tmpdir(), 'berth-bind9-'));
  const port = await freePort();
  const key: Bind9Key = {
    name: 'berth-test-key',
    algorithm: 'hmac-sha256',
    secret: randomBytes(32).toString('base64'),
  };
  const keySha512: Bind9Key = {
    name: 'berth-test-key-512',
    algorithm: 'hmac-sha512',
    secret: randomBytes(64).toString('base64'),
  };
  for (const zone of zones) await writeFile(join(dir, `${zone}.zone`), zoneFile(zone));
  const confPath = join(dir, 'named.conf');
  await writeFile(confPath, namedConf(dir, port, zones, [key, keySha512]), { mode: 0o600 });
  const logPath = join(dir, 'named.log');
  const logStream = createWriteStream(logPath, { flags: 'a' });
  const child = spawn('named', ['-g', '-c', confPath, '-4', '-n', '1'], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(logStream, { end: false });
  child.stderr.pipe(logStream, { end: false });
  child.on('error', (e) => logStream.write(`spawn named failed: ${e.message}\n`));
  const log = (): Promise<string> => readFile(logPath, 'utf8').catch(() => '');
  const stop = async (): Promise<void> => {
    const pid = child.pid;
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
    }
    await new Promise<void>((r) => logStream.end(r));
    await rm(dir, { recursive: true, force: true });
  };
  const address = `${HOST}:${port}`;
  try {
    await waitForZones(address, zones, () => child.exitCode === null && child.signalCode === null, timeoutMs);
  } catch (e) {
    const output = await log();
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${output.slice(-3000)}`);
  }
  const txt = async (fqdn: string): Promise<string[]> => {
    const { stdout } = await promisify(execFile)('dig', [
      '+short',
      '+norecurse',
      '+time=2',
      '+tries=1',
      '-p',
      String(port),
      `@${HOST}`,
      fqdn,
      'TXT',
    ]);
    // `+short` prints each record's strings quoted, one record a line.
    return stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => [...l.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '').join(''));
  };
  return { address, port, zones, key, keySha512, txt, log, stop };
}

async function waitForZones(
  address: string,
  zones: readonly string[],
  alive: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([address]);
  const deadline = Date.now() + timeoutMs;
  for (const zone of zones) {
    for (;;) {
      if (!alive()) throw new Error('named exited');
      try {
        await resolver.resolveSoa(zone);
        break;
      } catch (e) {
        if (Date.now() > deadline)
          throw new Error(`named did not serve ${zone}: ${e instanceof Error ? e.message : String(e)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** One named for every test of the file: call at the top level. */
export function useBind9(options: Bind9Options = {}): () => TestBind9 {
  let bind: TestBind9 | null = null;
  before(async () => {
    bind = await startBind9(options);
  });
  after(async () => {
    await bind?.stop();
  });
  return () => {
    if (bind === null)
      throw new Error('named is not started (useBind9 must be called at the top of a test file)');
    return bind;
  };
}
