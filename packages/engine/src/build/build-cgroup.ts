/**
 * Stopping a cancelled build's RUN step. Podman (4.3, measured) does not stop a build when its
 * API client goes away: the running RUN process carries on to its end, and only then does the
 * build notice and stop (no image is tagged). An endless RUN would never stop. The API cannot
 * see or stop that process either: buildah's working containers are listed only with
 * `/libpod/containers/json?external=true`, as "storage" containers without a pid, and removing
 * them leaves the process running.
 *
 * So on Podman with the cgroupfs manager, buildImage gives each build a cgroup parent of its
 * own (`cgroupparent`, a relative path: it nests under the service's cgroup as Podman's default
 * does) and, on cancel, kills the processes in that cgroup, found through /proc/PID/cgroup. The
 * build then fails its step and cleans up after itself. This needs the engine on this host with
 * the right to signal its processes (the agent's case). With the systemd manager (where a cgroup
 * parent must be a slice) or elsewhere, cancelling returns at once and the RUN step finishes on
 * its own. Docker stops a build itself when the client disconnects.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { EngineHttpClient } from '../container/engine-http.js';
import { asRecord, asString, toEngineInfo } from '../container/engine-json.js';

/** A cgroup name no other process on the host has. */
export const newBuildCgroup = (): string => `berth-build-${randomBytes(8).toString('hex')}`;

const cgroupSupport = new WeakMap<EngineHttpClient, Promise<boolean>>();

/** Whether builds on this engine get a cgroup of their own: Podman, cgroupfs manager. */
export function supportsBuildCgroup(http: EngineHttpClient): Promise<boolean> {
  let known = cgroupSupport.get(http);
  if (!known) {
    known = probe(http).catch(() => {
      cgroupSupport.delete(http); // the engine may be up next time
      return false;
    });
    cgroupSupport.set(http, known);
  }
  return known;
}

async function probe(http: EngineHttpClient): Promise<boolean> {
  const version = await http.request({ method: 'GET', path: '/version' });
  if (version.status !== 200 || toEngineInfo(version.body).kind !== 'podman') return false;
  const info = await http.request({ method: 'GET', path: '/info' });
  return info.status === 200 && asString(asRecord(info.body).CgroupDriver) === 'cgroupfs';
}

/** Pids whose cgroup path (in any hierarchy) has a component named `cgroup`. */
export async function findCgroupProcesses(cgroup: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = await readFile(`/proc/${name}/cgroup`, 'utf8');
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    const inside = text.split('\n').some((line) =>
      line
        .slice(line.indexOf(':', line.indexOf(':') + 1) + 1)
        .split('/')
        .includes(cgroup),
    );
    if (inside) pids.push(Number(name));
  }
  return pids;
}

const SETTLE_MS = 100;
const GIVE_UP_MS = 3_000;

/**
 * SIGKILLs every process in the build's cgroup until none is left (a shell may fork while we
 * look). Returns how many were signalled.
 */
export async function killCgroupProcesses(cgroup: string): Promise<number> {
  let signalled = 0;
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    const pids = await findCgroupProcesses(cgroup);
    if (pids.length === 0 || Date.now() > deadline) return signalled;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        signalled++;
      } catch {
        // Gone already, or not ours to signal.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  }
}
