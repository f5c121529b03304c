/**
 * A private Podman API service for integration tests, configured and started exactly as Berth
 * starts its own (planPodmanHostConfig → containers.conf → podmanServiceCommand), on a unix
 * socket in `dir`. It uses the host's default image store, so images built by
 * scripts/build-example-images.sh are visible. Stopping the service leaves containers running
 * (conmon outlives it): remove yours first, e.g. with removeContainersByLabel.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  createDockerApiEngine,
  pingEngineSocket,
  planPodmanHostConfig,
  podmanServiceCommand,
  readPodmanHostFacts,
  renderContainersConf,
} from '@berth/engine';

export interface TestPodman {
  socketPath: string;
  pid: number;
  /** SIGTERM, then SIGKILL after a few seconds. */
  stop(): Promise<void>;
  /** The service's log so far, for assertion messages. */
  log(): Promise<string>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startTestPodman(
  dir: string,
  options: {
    startTimeoutMs?: number;
    /**
     * `own`: images and state under `dir` (another "server" with an empty store) instead of the
     * host's default store.
     */
    storage?: 'host' | 'own';
  } = {},
): Promise<TestPodman> {
  await mkdir(dir, { recursive: true });
  const socketPath = join(dir, 'podman.sock');
  const containersConfPath = join(dir, 'containers.conf');
  const logPath = join(dir, 'podman.log');
  const plan = planPodmanHostConfig(await readPodmanHostFacts());
  await writeFile(containersConfPath, renderContainersConf(plan));

  const cmd = podmanServiceCommand({ socketPath, containersConfPath });
  const args = options.storage === 'own' ? [...(await ownStorageArgs(dir)), ...cmd.args] : cmd.args;
  const logStream = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(cmd.file, args, {
    env: { ...process.env, ...cmd.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(logStream, { end: false });
  child.stderr?.pipe(logStream, { end: false });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited(child);
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => logStream.end(resolve));
  };
  const log = (): Promise<string> => readFile(logPath, 'utf8').catch(() => '');

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `podman system service exited (${child.exitCode ?? child.signalCode}) before answering:\n${await log()}`,
      );
    }
    if (await Promise.race([pingEngineSocket(socketPath, 500), spawnError])) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`podman system service did not answer on ${socketPath} in time:\n${await log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { socketPath, pid: child.pid ?? -1, stop, log };
}

/** Podman's global flags for a store, run and tmp dir of its own under `dir`. */
async function ownStorageArgs(dir: string): Promise<string[]> {
  const [root, runroot, tmp] = ['storage', 'run', 'tmp'].map((name) => join(dir, name)) as [
    string,
    string,
    string,
  ];
  await Promise.all([root, runroot, tmp].map((path) => mkdir(path, { recursive: true })));
  // vfs: overlay would leave a private bind mount on the store that outlives the service.
  return ['--root', root, '--runroot', runroot, '--tmpdir', tmp, '--storage-driver', 'vfs'];
}

/** Stops and removes every container carrying `label` (`key=value`, or `key` for any value). */
export async function removeContainersByLabel(socketPath: string, label: string): Promise<void> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(
      { socketPath, path: `/containers/json?all=true&filters=${filters}`, headers: { Host: 'engine' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(text)
            : reject(new Error(`listing containers: ${res.statusCode} ${text}`)),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('listing containers timed out')));
    req.on('error', reject);
    req.end();
  });
  const ids = (JSON.parse(body) as { Id: string }[]).map((c) => c.Id);
  const engine = createDockerApiEngine({ socketPath });
  await Promise.all(ids.map((id) => engine.stopAndRemove(id, 0)));
}

/** A bridge interface name (at most 15 characters) of a test's own network, unique per `seed`. */
export const testBridgeName = (seed: string): string =>
  `bt-${createHash('sha256').update(seed).digest('hex').slice(0, 12)}`;
