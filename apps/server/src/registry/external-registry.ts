/**
 * An external registry (`berth up --registry URL`): instead of running docker-registry, berthd
 * has images pushed to a registry the operator runs, under the namespace given in the URL, with
 * one login for every server (read from a file; sealed to each agent like the fleet registry's).
 * Berth names everything under that namespace itself, so give it one of its own.
 */
import { readFile } from 'node:fs/promises';
import { BerthError } from '@berth/protocol';
import type { FleetRegistry } from './fleet-registry.js';

export interface ExternalRegistrySettings {
  /** `host[:port][/namespace]`, as image names spell it. */
  address: string;
  scheme: 'http' | 'https';
  username: string;
  passwordFile: string;
}

export async function openExternalRegistry(settings: ExternalRegistrySettings): Promise<FleetRegistry> {
  let password: string;
  try {
    password = (await readFile(settings.passwordFile, 'utf8')).trim();
  } catch (err) {
    throw new BerthError(
      'VALIDATION_FAILED',
      `Cannot read the registry password file ${settings.passwordFile}`,
      {
        hint: 'Give berth up --registry-password-file a file that holds the password (mode 0600).',
        cause: err,
      },
    );
  }
  if (password === '' || password.includes('\n'))
    throw new BerthError(
      'VALIDATION_FAILED',
      `${settings.passwordFile} must hold the registry password on one line`,
    );
  const login = { name: settings.username, password };
  return {
    address: settings.address,
    scheme: settings.scheme,
    loginFor: () => login,
    // One login for every server, managed by the registry's operator: nothing to add or remove.
    ensureUser: () => Promise.resolve(),
    sync: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
