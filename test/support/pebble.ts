/**
 * A private ACME CA for tests: Pebble (Let's Encrypt's test CA) with pebble-challtestsrv as its
 * DNS. Pebble stands in for Let's Encrypt because no public CA is reachable from here (and none
 * should be asked from tests); it speaks the same RFC 8555 and validates challenges for real.
 *
 * - Pebble's own HTTPS listener needs a certificate: a throwaway CA (made here, per start) signs
 *   one for 127.0.0.1/localhost; clients trust `listenerCaPem` for it. The CA that signs the
 *   certificates Pebble ISSUES is another one, made anew by Pebble at every start: `issuingRootPem`.
 * - challtestsrv answers every A query with 127.0.0.1 (no AAAA), so any name in an order
 *   resolves here, and HTTP-01 validation connects to 127.0.0.1:`httpPort` — the port of the
 *   test's own responder (or of the Berth under test). Its management API serves TXT records for
 *   DNS-01 (`setTxt`/`clearTxt`).
 * - Every port is picked at random on 127.0.0.1; both processes are stopped by PID.
 *
 * Expensive enough (~0.3 s) to share: `usePebble()` at the top of a test file starts one for all
 * of the file's tests.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { createCertificateAuthority, issueServerCertificate } from '@berth/crypto';
import { freePort } from './ports.js';

export interface TestPebble {
  /** The ACME directory, e.g. `https://127.0.0.1:41234/dir`. */
  directoryUrl: string;
  /** The CA of Pebble's own HTTPS listener (not of the certificates it issues). */
  listenerCaPem: string;
  /** The root that signs every certificate Pebble issues (new at every start). */
  issuingRootPem: string;
  challtest: ChallTestServer;
  /** Both processes' output so far, for assertion messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface ChallTestServer {
  /** 127.0.0.1:port of the mock DNS server Pebble asks. */
  dnsAddress: string;
  setTxt(fqdn: string, value: string): Promise<void>;
  /** Removes every TXT value of `fqdn`. */
  clearTxt(fqdn: string): Promise<void>;
  /** `host` resolves to these IPv4 addresses instead of 127.0.0.1 (e.g. one nothing listens on). */
  setA(host: string, addresses: string[]): Promise<void>;
  /** Every query for `host` gets SERVFAIL: a name whose DNS is broken. */
  setServfail(host: string): Promise<void>;
}

export interface PebbleOptions {
  /** Where Pebble connects for HTTP-01 validation (on 127.0.0.1, the address of every name). */
  httpPort: number;
  /**
   * `IP:port` of the DNS server Pebble asks instead of challtestsrv's (a real BIND 9 from
   * test/support/bind9.ts, whose zones must then resolve every name ordered). challtestsrv still
   * runs, unused by Pebble, so `challtest` keeps its meaning.
   */
  dnsServer?: string;
  startTimeoutMs?: number;
}

const HOST = '127.0.0.1';
const HOUR_MS = 3_600_000;

interface Started {
  child: ChildProcess;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function startProcess(file: string, args: string[], env: NodeJS.ProcessEnv, logPath: string): Started {
  const logStream = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(logStream, { end: false });
  child.stderr?.pipe(logStream, { end: false });
  child.on('error', (e) => logStream.write(`spawn ${file} failed: ${e.message}\n`));
  const stop = async (): Promise<void> => {
    const pid = child.pid;
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
    }
    await new Promise<void>((r) => logStream.end(r));
  };
  return { child, stop };
}

function request(url: string, caPem: string, method: 'GET' | 'POST', body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: caPem, timeout: 2000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        (res.statusCode ?? 0) < 300
          ? resolve(text)
          : reject(new Error(`${method} ${url}: ${res.statusCode} ${text}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  alive: () => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`${what}: the process exited`);
    try {
      return await probe();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function listenerCertificate(
  dir: string,
): Promise<{ caPem: string; certPath: string; keyPath: string }> {
  const now = new Date();
  const ca = await createCertificateAuthority({
    commonName: 'Berth test: Pebble listener CA',
    now,
    lifetimeMs: 24 * HOUR_MS,
  });
  const leaf = await issueServerCertificate({
    ca,
    dnsNames: ['localhost'],
    ipAddresses: [HOST],
    now,
    lifetimeMs: 24 * HOUR_MS,
    backdateMs: HOUR_MS,
  });
  const certPath = join(dir, 'listener.pem');
  const keyPath = join(dir, 'listener-key.pem');
  await writeFile(certPath, leaf.certPem);
  await writeFile(keyPath, leaf.keyPem, { mode: 0o600 });
  return { caPem: ca.certPem, certPath, keyPath };
}

/** Ready once its mock DNS answers (what Pebble asks first) and then its management API. */
async function startChallTestSrv(dir: string, timeoutMs: number): Promise<Started & ChallTestServer> {
  const [dnsPort, managementPort] = [await freePort(), await freePort()];
  const dnsAddress = `${HOST}:${dnsPort}`;
  const management = `http://${HOST}:${managementPort}`;
  // A test's own environment (proxies, Go settings) must not reach the CA's processes.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const started = startProcess(
    'pebble-challtestsrv',
    ['-dns01', dnsAddress, '-management', `${HOST}:${managementPort}`]
      .concat(['-http01', '', '-https01', '', '-tlsalpn01', ''])
      .concat(['-defaultIPv4', HOST, '-defaultIPv6', '']),
    env,
    join(dir, 'challtestsrv.log'),
  );
  const post = async (path: string, body: object): Promise<void> => {
    const res = await fetch(`${management}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`challtestsrv ${path}: ${res.status} ${await res.text()}`);
  };
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([dnsAddress]);
  const alive = (): boolean => started.child.exitCode === null;
  try {
    await waitFor(
      'pebble-challtestsrv did not answer DNS',
      () => resolver.resolve4('ready.test'),
      alive,
      timeoutMs,
    );
    await waitFor(
      'pebble-challtestsrv management did not answer',
      () => post('/clear-txt', { host: 'ready.test.' }),
      alive,
      timeoutMs,
    );
  } catch (e) {
    await started.stop();
    const output = await readFile(join(dir, 'challtestsrv.log'), 'utf8').catch(() => '');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${output.slice(-2000)}`);
  }
  return {
    ...started,
    dnsAddress,
    setTxt: (fqdn, value) => post('/set-txt', { host: `${fqdn}.`, value }),
    clearTxt: (fqdn) => post('/clear-txt', { host: `${fqdn}.` }),
    setA: (host, addresses) => post('/add-a', { host: `${host}.`, addresses }),
    setServfail: (host) => post('/set-servfail', { host: `${host}.` }),
  };
}

export async function startPebble(options: PebbleOptions): Promise<TestPebble> {
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  const dir = await mkdtemp(join(tmpdir(), 'berth-pebble-'));
  const listener = await listenerCertificate(dir);
  const challtest = await startChallTestSrv(dir, timeoutMs).catch(async (e: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw e;
  });
  const [acmePort, managementPort] = [await freePort(), await freePort()];
  const configPath = join(dir, 'pebble.json');
  await writeFile(
    configPath,
    JSON.stringify({
      pebble: {
        listenAddress: `${HOST}:${acmePort}`,
        managementListenAddress: `${HOST}:${managementPort}`,
        certificate: listener.certPath,
        privateKey: listener.keyPath,
        httpPort: options.httpPort,
        // No TLS-ALPN responder in tests: the port is one nothing listens on.
        tlsPort: await freePort(),
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const pebble = startProcess(
    'pebble',
    ['-config', configPath, '-dnsserver', options.dnsServer ?? challtest.dnsAddress],
    { PATH: process.env.PATH ?? '/usr/bin:/bin', PEBBLE_VA_NOSLEEP: '1' },
    join(dir, 'pebble.log'),
  );
  const stop = async (): Promise<void> => {
    await pebble.stop();
    await challtest.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const log = async (): Promise<string> => {
    const logs = await Promise.all(
      ['pebble.log', 'challtestsrv.log'].map(
        async (f) => `--- ${f}\n${await readFile(join(dir, f), 'utf8').catch(() => '')}`,
      ),
    );
    return logs.join('');
  };
  try {
    const directoryUrl = `https://${HOST}:${acmePort}/dir`;
    const alive = (): boolean => pebble.child.exitCode === null;
    await waitFor(
      'pebble did not serve its directory',
      () => request(directoryUrl, listener.caPem, 'GET'),
      alive,
      timeoutMs,
    );
    const rootUrl = `https://${HOST}:${managementPort}/roots/0`;
    const issuingRootPem = await waitFor(
      'pebble did not serve its root',
      () => request(rootUrl, listener.caPem, 'GET'),
      alive,
      timeoutMs,
    );
    return { directoryUrl, listenerCaPem: listener.caPem, issuingRootPem, challtest, log, stop };
  } catch (e) {
    const output = await log();
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${output.slice(-3000)}`);
  }
}

/**
 * One Pebble for every test of the file: call at the top level. Node 20 runs a file's top-level
 * `before` hooks concurrently, so a responder whose port Pebble needs is started inside
 * `httpPort` (which may be async), not in a `before` of its own.
 */
export function usePebble(options: {
  httpPort: () => number | Promise<number>;
  /** Started the same way (inside Pebble's `before`) when Pebble must ask another DNS server. */
  dnsServer?: () => string | Promise<string>;
}): () => TestPebble {
  let pebble: TestPebble | null = null;
  before(async () => {
    const httpPort = await options.httpPort();
    const dnsServer = options.dnsServer ? await options.dnsServer() : undefined;
    pebble = await startPebble({ httpPort, ...(dnsServer === undefined ? {} : { dnsServer }) });
  });
  after(async () => {
    await pebble?.stop();
  });
  return () => {
    if (pebble === null)
      throw new Error('Pebble is not started (usePebble must be called at the top of a test file)');
    return pebble;
  };
}
