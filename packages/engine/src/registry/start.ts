/**
 * Runs Debian's `docker-registry serve CONFIG` (distribution 2.8) as a child process: filesystem
 * storage under the data dir, htpasswd logins, plain HTTP or TLS on one address. The process
 * gets an empty environment, because distribution lets any `REGISTRY_*` variable override its
 * configuration (`REGISTRY_AUTH=` would turn logins off). Only the process started here is ever
 * signalled.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { chmod, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { findExecutable } from '@berth/io';
import { BerthError } from '@berth/protocol';
import { INSTANCE_HEADER, parseRegistryListen, renderRegistryConfig } from './config.js';
import { renderHtpasswd } from './htpasswd.js';
import type { RegistryUser } from './htpasswd.js';

export interface StartRegistryOptions {
  /** Everything lives below it: `storage/`, `registry.json`, `htpasswd`, `registry.log`. */
  dataDir: string;
  /** `IP:PORT`: 127.0.0.1 for one machine, the server's private address for a fleet. */
  listen: string;
  /** One user per agent; at least one. */
  users: readonly RegistryUser[];
  /** PEM files; without them the registry speaks plain HTTP (loopback or a private network only). */
  tls?: { cert: string; key: string };
  /** Where to look for `docker-registry` (a PATH value). */
  searchPath?: string;
  startTimeoutMs?: number;
}

export interface RunningRegistry {
  /** `http://IP:PORT` or `https://IP:PORT`. */
  url: string;
  /** `IP:PORT`: the registry part of image names. */
  address: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
  /** What the registry logged so far. */
  log(): Promise<string>;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEFAULT_START_TIMEOUT_MS = 10_000;

export async function startRegistry(options: StartRegistryOptions): Promise<RunningRegistry> {
  const { host, port } = parseRegistryListen(options.listen);
  if (!isAbsolute(options.dataDir)) {
    throw new BerthError('VALIDATION_FAILED', `The registry's data dir must be absolute: ${options.dataDir}`);
  }
  if (options.users.length === 0) {
    throw new BerthError(
      'VALIDATION_FAILED',
      'A registry needs at least one user: it never runs without logins',
    );
  }
  const file = await findExecutable('docker-registry', options.searchPath ?? DEFAULT_PATH);
  if (file === null) {
    throw new BerthError('INTERNAL', 'docker-registry is not installed', {
      hint: 'Install it: apt-get install docker-registry (or sudo bash scripts/install-system-deps.sh --test).',
    });
  }
  const nonce = randomBytes(16).toString('hex');
  const configPath = await writeRegistryFiles(options, nonce);
  const logPath = join(options.dataDir, 'registry.log');
  const logFile = await open(logPath, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(file, ['serve', configPath], { env: {}, stdio: ['ignore', logFile.fd, logFile.fd] });
  } finally {
    await logFile.close();
  }
  const scheme = options.tls ? 'https' : 'http';
  const running: RunningRegistry = {
    url: `${scheme}://${host}:${port}`,
    address: `${host}:${port}`,
    pid: child.pid ?? -1,
    stop: () => stopChild(child),
    log: () => readFile(logPath, 'utf8').catch(() => ''),
  };
  try {
    await waitUntilServing(child, running.url, nonce, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  } catch (err) {
    await running.stop();
    const log = (await running.log()).trim().split('\n').slice(-5);
    throw new BerthError('INTERNAL', `The registry did not start on ${options.listen}: ${String(err)}`, {
      logs: log,
      hint: 'Its log says why (a port in use, an unreadable certificate, …).',
    });
  }
  return running;
}

async function writeRegistryFiles(options: StartRegistryOptions, instanceNonce: string): Promise<string> {
  const storageDir = join(options.dataDir, 'storage');
  await mkdir(storageDir, { recursive: true, mode: 0o700 });
  await chmod(options.dataDir, 0o700);
  const htpasswdPath = await writeRegistryUsers(options.dataDir, options.users);
  const configPath = join(options.dataDir, 'registry.json');
  const config = renderRegistryConfig({
    storageDir,
    htpasswdPath,
    listen: options.listen,
    httpSecret: randomBytes(32).toString('hex'),
    instanceNonce,
    ...(options.tls ? { tls: { certPath: options.tls.cert, keyPath: options.tls.key } } : {}),
  });
  await writeFile(configPath, config, { mode: 0o600 });
  await chmod(configPath, 0o600);
  return configPath;
}

/**
 * Replaces the logins of the registry whose data dir this is, running or not: distribution
 * reads the file again when its modification time changes (tried: a removed user is refused
 * on its next request, a new one let in), so no restart drops a pull in flight. Written aside
 * and renamed, so the registry never reads half a file.
 */
export async function writeRegistryUsers(
  dataDir: string,
  users: readonly RegistryUser[],
  hashed?: Map<string, { password: string; line: string }>,
): Promise<string> {
  const path = join(dataDir, 'htpasswd');
  const next = `${path}.next`;
  await writeFile(next, await renderHtpasswd(users, hashed), { mode: 0o600 });
  await chmod(next, 0o600);
  await rename(next, path);
  return path;
}

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/**
 * Ready means /v2/ answers 401 (up, and refusing anyone without a login) with this start's nonce:
 * another registry already on the address would answer too, while ours fails to bind and exits.
 */
async function waitUntilServing(
  child: ChildProcess,
  url: string,
  nonce: string,
  timeoutMs: number,
): Promise<void> {
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited(child)) throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode})`);
    const answer = await Promise.race([probe(`${url}/v2/`), spawnError]);
    if (answer !== null && answer.instance === nonce) {
      if (answer.status === 401) return;
      throw new Error(`/v2/ answered ${answer.status} without a login, not 401`);
    }
    if (Date.now() > deadline) throw new Error(`no answer on ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The status of a GET and the instance header, or null when nothing answers yet. No credentials
 * are sent, so an unverified certificate is harmless here.
 */
function probe(url: string): Promise<{ status: number; instance: string } | null> {
  return new Promise((resolve) => {
    const secure = url.startsWith('https:');
    const options = { timeout: 500, ...(secure ? { rejectUnauthorized: false } : {}) };
    const req = (secure ? https : http).get(url, options, (res) => {
      res.resume();
      const instance = res.headers[INSTANCE_HEADER.toLowerCase()];
      resolve({ status: res.statusCode ?? 0, instance: typeof instance === 'string' ? instance : '' });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
