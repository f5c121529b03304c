/**
 * `--proxy nginx`: the supervisor runs nginx in the foreground, in a private prefix under the
 * data dir (`<data-dir>/nginx`: config versions, pid, logs, temp files; nothing in /etc/nginx),
 * instead of Caddy. The prefix is prepared before the first start (an empty config serving 404
 * until the agent publishes); a restart of berth up starts nginx on the last version it served.
 */
import { acceptsConnections } from '@berth/io';
import { setTimeout as sleep } from 'node:timers/promises';
import { nginxRunCommand, nginxSettingsFor, prepareNginxPrefix } from '@berth/engine';
import type { CliEnvironment } from '../../cli/environment.js';
import { which } from './engine.js';
import type { UpPaths } from './paths.js';
import type { ChildSpec, Supervisor } from './supervisor.js';

/** nginx lives in sbin, which a user's PATH often leaves out. */
const SBIN = '/usr/local/sbin:/usr/sbin:/sbin';
const READY_WAIT_MS = 10_000;

export interface EdgeListeners {
  /** `host:port`, `:port` for every address. */
  httpListen: string;
  httpsListen: string | null;
  /** --hsts-max-age; null: none. */
  hstsMaxAge: number | null;
}

export async function findNginx(env: CliEnvironment['env']): Promise<string> {
  const bin = await which('nginx', { ...env, PATH: `${env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}:${SBIN}` });
  if (!bin)
    throw new Error(
      'nginx is not installed: install it (sudo apt-get install nginx-light), or run with --proxy caddy',
    );
  return bin;
}

export async function nginxChild(
  paths: UpPaths,
  listeners: EdgeListeners,
  nginxBin: string,
): Promise<ChildSpec> {
  await prepareNginxPrefix(paths.nginxDir, nginxSettingsFor(listeners));
  const cmd = nginxRunCommand({ nginxBin, prefix: paths.nginxDir });
  return {
    name: 'nginx',
    file: cmd.file,
    args: cmd.args,
    env: cmd.env,
    replaceEnv: true,
    // With -e, nginx's messages go to <prefix>/logs/error.log; what reaches stderr is rare.
    format: (line) => (line.trim() === '' ? null : `nginx  ${line}`),
  };
}

/**
 * Waits until nginx accepts on its HTTP port: the agent's first publish reloads the master, which
 * must be up by then. A port that stays closed is said, and the rest starts anyway.
 */
export async function waitForNginx(
  listeners: EdgeListeners,
  supervisor: Supervisor,
  say: (line: string) => void,
): Promise<void> {
  const { host, port } = dialOf(listeners.httpListen);
  const deadline = Date.now() + READY_WAIT_MS;
  while (Date.now() < deadline) {
    if (await acceptsConnections(host, port)) return;
    if (supervisor.restarts('nginx') >= 3) break;
    await sleep(20);
  }
  say(
    `nginx is not answering on ${listeners.httpListen} yet; starting the rest anyway (see <data-dir>/nginx/logs/error.log)`,
  );
}

/** Where to knock for a listener: its own address, or loopback for every address. */
export function dialOf(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[|\]$/g, '');
  return {
    host: host === '' || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host,
    port: Number(listen.slice(colon + 1)),
  };
}
