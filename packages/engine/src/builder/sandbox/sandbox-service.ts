/**
 * The sandboxed Podman API service of a builder session: waiting until it answers, and clearing
 * what a killed earlier session left in the storage.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '@berth/protocol';
import type { EngineHttpClient } from '../../container/engine-http.js';
import { asRecord, asString } from '../../container/engine-json.js';
import { pingEngineSocket } from '../../podman/find-socket.js';
import type { SandboxProcess } from './sandbox-process.js';

const START_TIMEOUT_MS = 20_000;

/**
 * Buildah's working containers left in the storage by a build that was killed (cancelled, timed
 * out, the agent gone): nothing else uses this storage now, so every one of them is stale.
 */
export async function removeWorkingContainers(http: EngineHttpClient): Promise<void> {
  const list = await http.request({
    method: 'GET',
    path: '/libpod/containers/json',
    query: { all: true, external: true },
  });
  if (list.status !== 200 || !Array.isArray(list.body)) return;
  for (const c of list.body as unknown[]) {
    const id = asString(asRecord(c).Id);
    if (/^[a-f0-9]{64}$/.test(id))
      await http.request({ method: 'DELETE', path: `/libpod/containers/${id}`, query: { force: true } });
  }
}

export async function waitForService(
  socketPath: string,
  sandbox: SandboxProcess,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  void sandbox.exited.then(() => (exited = true));
  for (;;) {
    signal.throwIfAborted();
    if (exited) {
      throw new BerthError('BUILD_SANDBOX_UNAVAILABLE', 'The build sandbox stopped while starting', {
        logs: sandbox.lastLines().slice(-20),
        hint: 'See the lines above; docs/security.md says what the sandbox needs from the host',
      });
    }
    if (await pingEngineSocket(socketPath, 500)) return;
    if (Date.now() > deadline) {
      throw new BerthError('BUILD_SANDBOX_UNAVAILABLE', 'The build sandbox did not start in time', {
        logs: sandbox.lastLines().slice(-20),
      });
    }
    await sleep(20);
  }
}
