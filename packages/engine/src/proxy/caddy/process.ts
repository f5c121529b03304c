/**
 * How to run Caddy as a child process: argv and environment, no I/O. The supervisor spawns it.
 */

import { join } from 'node:path';

export interface CaddyRunInput {
  /** Defaults to `caddy`, looked up in the system directories. */
  caddyBin?: string;
  /** A file holding renderCaddyBootConfig(): used only when there is no autosaved config yet. */
  bootConfigPath: string;
  /** Caddy's own state (autosaved config, certificates, locks) goes under here. */
  stateDir: string;
}

export interface CaddyRunCommand {
  file: string;
  args: string[];
  /**
   * The child's whole environment, not additions to the parent's: Caddy needs nothing else, and
   * the agent's secrets stay out of it. HOME and XDG_* keep instances from sharing state.
   */
  env: Record<string, string>;
}

export const toCaddyDataDir = (stateDir: string): string => join(stateDir, 'data');
export const toCaddyConfigDir = (stateDir: string): string => join(stateDir, 'config');
/** Where Caddy autosaves the last loaded config, which `--resume` starts from. */
export const toCaddyAutosavePath = (stateDir: string): string =>
  join(toCaddyConfigDir(stateDir), 'caddy', 'autosave.json');

export function caddyRunCommand(input: CaddyRunInput): CaddyRunCommand {
  return {
    file: input.caddyBin ?? 'caddy',
    // --resume: after a crash or reboot Caddy serves the last routes at once, before the agent is back.
    args: ['run', '--resume', '--config', input.bootConfigPath],
    env: {
      // spawn looks the binary up on this PATH when the env is given.
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: input.stateDir,
      XDG_DATA_HOME: toCaddyDataDir(input.stateDir),
      XDG_CONFIG_HOME: toCaddyConfigDir(input.stateDir),
    },
  };
}
