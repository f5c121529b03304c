/**
 * docker-registry's configuration, written as JSON (which YAML parsers read as it is), so no
 * value can change the file's structure whatever it holds. Pure: the caller writes it.
 */
import { isAbsolute } from 'node:path';
import { BerthError } from '@berth/protocol';

export interface RegistryConfigInput {
  /** Where blobs and manifests live (created 0700 by the caller). */
  storageDir: string;
  htpasswdPath: string;
  /** `IP:PORT` (IPv4), already checked by parseRegistryListen. */
  listen: string;
  /** Signs upload state between requests; random per start is enough for a single instance. */
  httpSecret: string;
  /**
   * Sent back in an `X-Berth-Registry` header on every answer, so a start can tell its own
   * process from another one already listening on the address.
   */
  instanceNonce: string;
  tls?: { certPath: string; keyPath: string };
}

export const INSTANCE_HEADER = 'X-Berth-Registry';

const IPV4 =
  /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/** `IP:PORT` with an IPv4 address and a port 1–65535; anything else is refused. */
export function parseRegistryListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon);
  const portText = listen.slice(colon + 1);
  const port = /^[1-9][0-9]{0,4}$/.test(portText) ? Number(portText) : 0;
  if (colon === -1 || !IPV4.test(host) || port < 1 || port > 65_535) {
    throw new BerthError('VALIDATION_FAILED', `Invalid registry listen address: ${JSON.stringify(listen)}`, {
      hint: 'Give an IPv4 address and a port, e.g. 127.0.0.1:5000 or the private address of this server.',
    });
  }
  return { host, port };
}

export function renderRegistryConfig(input: RegistryConfigInput): string {
  const paths = [input.storageDir, input.htpasswdPath, input.tls?.certPath, input.tls?.keyPath];
  for (const path of paths) {
    if (path !== undefined && (!isAbsolute(path) || /[\0\n]/.test(path))) {
      throw new BerthError('VALIDATION_FAILED', `Registry paths must be absolute: ${JSON.stringify(path)}`);
    }
  }
  parseRegistryListen(input.listen);
  const config = {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: input.storageDir },
      // Nothing deletes through the API: a pinned digest stays pullable until Berth collects it.
      delete: { enabled: false },
      redirect: { disable: true },
    },
    http: {
      addr: input.listen,
      secret: input.httpSecret,
      headers: { 'X-Content-Type-Options': ['nosniff'], [INSTANCE_HEADER]: [input.instanceNonce] },
      ...(input.tls ? { tls: { certificate: input.tls.certPath, key: input.tls.keyPath } } : {}),
    },
    auth: { htpasswd: { realm: 'berth-registry', path: input.htpasswdPath } },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
