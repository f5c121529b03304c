/**
 * `--registry-listen`: where berthd runs the fleet's image registry, which moves images that only
 * one server holds (builds, `localhost/…`) to the others. By default it runs on the API's
 * address when that is one address other servers reach (not loopback, not every address), port
 * 5000; `off` runs none (each server must then hold every image it runs).
 */
import { resolve } from 'node:path';
import { parseIpAddress, parseRegistryUrl } from '@berth/core';
import { parseRegistryListen } from '@berth/engine';
import { isBerthError } from '@berth/protocol';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import type { CliEnvironment } from '../../cli/environment.js';
import { which } from './engine.js';

export const REGISTRY_LISTEN_OPTION = [
  '--registry-listen <addr>',
  "IP:PORT of the fleet's image registry, on the servers' private network (default: the --api-host address, port 5000, when that is one non-loopback IPv4 address; off: none)",
] as const;

export const DEFAULT_REGISTRY_PORT = 5000;

export const EXTERNAL_REGISTRY_OPTIONS = [
  [
    '--registry <url>',
    'use your registry instead of running one: https://host[:port]/namespace (a namespace for Berth alone; http:// on a private network)',
  ],
  ['--registry-username <name>', 'the login for --registry (every server uses it)'],
  ['--registry-password-file <file>', "a file holding --registry's password (0600; read by berthd)"],
] as const;

/** `--registry URL` and its login, checked; null without --registry. */
export function chooseExternalRegistry(flags: {
  registry?: string;
  registryUsername?: string;
  registryPasswordFile?: string;
  registryListen?: string;
}): { url: string; username: string; passwordFile: string } | null {
  if (flags.registry === undefined) {
    if (flags.registryUsername !== undefined || flags.registryPasswordFile !== undefined)
      throw new CliError(
        '--registry-username and --registry-password-file go with --registry URL',
        EXIT.userError,
      );
    return null;
  }
  if (flags.registryListen !== undefined && flags.registryListen !== 'off')
    throw new CliError(
      '--registry and --registry-listen exclude each other',
      EXIT.userError,
      'Either berthd runs the registry (--registry-listen) or it uses yours (--registry URL)',
    );
  try {
    parseRegistryUrl(flags.registry);
  } catch (err) {
    throw new CliError(
      isBerthError(err) ? err.message : String(err),
      EXIT.userError,
      'For example --registry https://registry.example.com/acme/berth',
    );
  }
  if (flags.registryUsername === undefined || flags.registryPasswordFile === undefined)
    throw new CliError('--registry needs --registry-username and --registry-password-file', EXIT.userError);
  return {
    url: flags.registry,
    username: flags.registryUsername,
    passwordFile: resolve(flags.registryPasswordFile),
  };
}

/** The address to run the registry on, or null for none; says why when the default is skipped. */
export async function chooseRegistryListen(
  flag: string | undefined,
  apiHost: string,
  env: CliEnvironment['env'],
  say: (line: string) => void,
): Promise<string | null> {
  if (flag === 'off') return null;
  if (flag !== undefined) {
    try {
      parseRegistryListen(flag);
    } catch (err) {
      throw new CliError(
        isBerthError(err) ? err.message : String(err),
        EXIT.userError,
        'For example --registry-listen 10.0.0.1:5000, or off',
      );
    }
    if (!(await which('docker-registry', env)))
      throw new CliError(
        'docker-registry is not installed',
        EXIT.userError,
        'Install it (sudo apt-get install docker-registry), or pass --registry-listen off',
      );
    return flag;
  }
  const ip = parseIpAddress(apiHost);
  const reachable = ip !== null && ip.family === 4 && !apiHost.startsWith('127.') && apiHost !== '0.0.0.0';
  if (!reachable) return null;
  if (!(await which('docker-registry', env))) {
    say('No fleet registry: docker-registry is not installed (images built here stay on this server).');
    return null;
  }
  return `${apiHost}:${DEFAULT_REGISTRY_PORT}`;
}
