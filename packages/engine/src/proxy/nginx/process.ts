/**
 * How to run nginx as a child process of a supervisor, and the prefix it runs in. Everything it
 * writes (pid, error log, temp files, config versions) stays under the private prefix: nothing
 * touches /etc/nginx or /var/log/nginx.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_LOG, NGINX_CONF, TEMP_DIR, renderNginxFiles } from './config.js';
import { nginxPrefixArg } from './nginx-control.js';
import type { NginxSettings } from './values.js';
import { CURRENT_LINK, createVersionStore } from './versions.js';

export interface NginxRunInput {
  /** Defaults to `nginx`, looked up in the system directories. */
  nginxBin?: string;
  /** nginx's private prefix (`-p`), an absolute path: see prepareNginxPrefix. */
  prefix: string;
}

export interface NginxRunCommand {
  file: string;
  args: string[];
  /** The child's whole environment: nginx needs nothing else, and the agent's secrets stay out. */
  env: Record<string, string>;
}

/** The config nginx reads at start and at every reload: through the `current` symlink. */
export const nginxConfPath = (prefix: string): string => join(prefix, CURRENT_LINK, NGINX_CONF);

export function nginxRunCommand(input: NginxRunInput): NginxRunCommand {
  return {
    file: input.nginxBin ?? 'nginx',
    // In the foreground, for the supervisor; `-e` so that even the start-up messages (before the
    // config's error_log is open) go under the prefix and not to the compiled-in default.
    args: [
      '-p',
      nginxPrefixArg(input.prefix),
      '-e',
      join(input.prefix, ERROR_LOG),
      '-c',
      nginxConfPath(input.prefix),
      '-g',
      'daemon off;',
    ],
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
  };
}

/**
 * Makes the prefix ready to start nginx in: its directories, and when no version exists yet, a
 * first one serving nothing (every host 404) so nginx can start before the agent publishes.
 */
export async function prepareNginxPrefix(
  prefix: string,
  settings: NginxSettings,
  now = new Date(),
): Promise<void> {
  await mkdir(prefix, { recursive: true, mode: 0o755 });
  for (const dir of ['logs', 'run']) await mkdir(join(prefix, dir), { recursive: true, mode: 0o700 });
  // Workers (nobody) write request bodies and buffered responses here.
  await mkdir(join(prefix, TEMP_DIR), { recursive: true, mode: 0o755 });
  const store = createVersionStore(prefix);
  if ((await store.currentVersion()) !== null) return;
  const empty = { routes: [], upstreams: {} };
  const meta = await store.write(renderNginxFiles(empty, settings), empty, 'boot', now);
  await store.activate(meta.version);
  // nginx is about to start on it: nothing to reload.
  await store.markLoaded(meta.version);
  await writeFile(join(prefix, ERROR_LOG), '', { flag: 'a', mode: 0o600 });
}
