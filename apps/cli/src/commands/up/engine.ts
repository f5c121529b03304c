import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  findEngineSocket,
  planPodmanHostConfig,
  podmanServiceCommand,
  readPodmanHostFacts,
  renderContainersConf,
} from '@berth/engine';
import type { CliEnvironment } from '../../cli/environment.js';
import type { UpPaths } from './paths.js';
import type { ChildSpec } from './supervisor.js';
import { findExecutable } from '@berth/io';

export interface EngineChoice {
  socket: string;
  /** Set when Berth runs its own Podman API service. */
  child: ChildSpec | null;
  description: string;
}

/**
 * Uses an engine that is already there (--engine-socket, DOCKER_HOST, Podman's or Docker's
 * usual sockets); otherwise runs `podman system service` on a socket in the data dir, with a
 * containers.conf fitted to this host (see @berth/engine's planPodmanHostConfig).
 */
export async function chooseEngine(
  opts: { engineSocket?: string },
  paths: UpPaths,
  env: CliEnvironment['env'],
  say: (line: string) => void,
): Promise<EngineChoice> {
  if (opts.engineSocket) {
    if (!(await findEngineSocket([opts.engineSocket]))) {
      throw new Error(
        `No container engine answers at ${opts.engineSocket}; check the path, or leave --engine-socket out to let Berth run Podman`,
      );
    }
    return { socket: opts.engineSocket, child: null, description: `engine at ${opts.engineSocket}` };
  }
  const found = await findEngineSocket(candidateSockets(env));
  if (found) return { socket: found, child: null, description: `engine at ${found}` };

  const podman = await which('podman', env);
  if (!podman) {
    throw new Error(
      'No container engine found: install Podman (sudo apt-get install podman runc), or point --engine-socket at a Docker or Podman API socket',
    );
  }
  const plan = planPodmanHostConfig(await readPodmanHostFacts());
  await writeFile(paths.podmanConf, renderContainersConf(plan), { mode: 0o644 });
  for (const note of plan.notes) say(`podman: ${note}`);
  const cmd = podmanServiceCommand({
    socketPath: paths.podmanSocket,
    containersConfPath: paths.podmanConf,
    podmanBin: podman,
  });
  return {
    socket: paths.podmanSocket,
    child: { name: 'podman', file: cmd.file, args: cmd.args, env: cmd.env },
    description: `Podman API service started by Berth (${paths.podmanSocket})`,
  };
}

function candidateSockets(env: CliEnvironment['env']): string[] {
  const out: string[] = [];
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost?.startsWith('unix://')) out.push(dockerHost.slice('unix://'.length));
  out.push('/run/podman/podman.sock', '/var/run/docker.sock');
  if (env.XDG_RUNTIME_DIR) out.push(join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'));
  return out;
}

/** The path of an executable on PATH, or null. */
export const which = (name: string, env: CliEnvironment['env']): Promise<string | null> =>
  findExecutable(name, env.PATH ?? '/usr/local/bin:/usr/bin:/bin');
