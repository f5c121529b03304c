/**
 * `berth agent join`'s arguments, checked before anything is written or sent: berthd's URL must
 * fit the token (https:// when it pins a CA; plain http:// only to this machine), addresses are
 * IP addresses. Pure.
 */
import { isLoopbackHost, isWildcardAddress, parseIpAddress } from '@berth/core';
import { DEFAULT_MESH_INTERFACE, DEFAULT_MESH_PORT, MESH_INTERFACE_NAME_PATTERN } from '@berth/engine';
import { BerthError, type ProxyKind } from '@berth/protocol';
import { parseJoinTokenText, type JoinToken } from './join-token.js';

export interface JoinFlags {
  publicIp?: string;
  privateIp?: string;
  httpPort: number;
  httpsPort?: number;
  hstsMaxAge?: number;
  engineSocket?: string;
  /** false with --no-mesh. */
  mesh?: boolean;
  meshInterface?: string;
  meshPort?: number;
  /** --proxy; default caddy. */
  proxy?: ProxyKind;
}

export interface JoinInput {
  /** berthd's origin, e.g. https://192.0.2.10:7070 */
  serverUrl: string;
  token: JoinToken;
  publicIp: string | null;
  /**
   * Where replicas are published for other servers' edges: only an address given as private,
   * never the public one by default (replicas there would be reachable without the edge).
   * Null: replicas on loopback, served by this server's edge only.
   */
  privateIp: string | null;
  httpPort: number;
  /** null: no HTTPS listener. */
  httpsPort: number | null;
  /** Seconds of HSTS on every HTTPS response (only with an HTTPS listener); null: none. */
  hstsMaxAge: number | null;
  engineSocket: string | null;
  /** The WireGuard interface and port of this server in the fleet's mesh; null with --no-mesh. */
  mesh: AgentMeshSettings | null;
  /** The edge `berth agent run` starts. */
  proxy: ProxyKind;
}

export interface AgentMeshSettings {
  interfaceName: string;
  listenPort: number;
}

const invalid = (flag: string, message: string, hint?: string): BerthError =>
  new BerthError('VALIDATION_FAILED', `${flag} ${message}`, {
    issues: [{ path: flag, message }],
    ...(hint && { hint }),
  });

export function parseJoinInput(rawUrl: string, rawToken: string, flags: JoinFlags): JoinInput {
  const token = parseJoinTokenText(rawToken);
  const publicIp = parseAddress(flags.publicIp, '--public-ip');
  const privateIp = parseAddress(flags.privateIp, '--private-ip');
  if (flags.engineSocket !== undefined && !flags.engineSocket.startsWith('/'))
    throw invalid('--engine-socket', 'must be an absolute path, e.g. /run/podman/podman.sock');
  if (flags.httpsPort !== undefined && flags.httpsPort === flags.httpPort)
    throw invalid('--https-port', 'must differ from --http-port');
  // HSTS is sent over HTTPS only (RFC 6797 7.2): without a listener it would silently do nothing.
  if (flags.hstsMaxAge !== undefined && flags.httpsPort === undefined)
    throw invalid(
      '--hsts-max-age',
      'needs --https-port: HSTS is only ever sent over HTTPS',
      'Add --https-port (e.g. --https-port 443), or leave --hsts-max-age out',
    );
  const meshInterface = flags.meshInterface ?? DEFAULT_MESH_INTERFACE;
  if (!MESH_INTERFACE_NAME_PATTERN.test(meshInterface))
    throw invalid('--mesh-interface', 'must be 1-15 of a-z, 0-9, _ and -, starting with a letter');
  return {
    serverUrl: parseServerUrl(rawUrl, token),
    token,
    publicIp,
    privateIp,
    httpPort: flags.httpPort,
    httpsPort: flags.httpsPort ?? null,
    hstsMaxAge: flags.hstsMaxAge ?? null,
    engineSocket: flags.engineSocket ?? null,
    mesh:
      flags.mesh === false
        ? null
        : { interfaceName: meshInterface, listenPort: flags.meshPort ?? DEFAULT_MESH_PORT },
    proxy: flags.proxy ?? 'caddy',
  };
}

function parseAddress(raw: string | undefined, flag: string): string | null {
  if (raw === undefined) return null;
  const ip = parseIpAddress(raw);
  if (!ip) throw invalid(flag, `must be an IP address of this server, got "${raw}"`);
  if (isWildcardAddress(ip.address))
    throw invalid(
      flag,
      `must be one address of this server, not ${ip.address}`,
      'Leave --public-ip out to serve apps on every address',
    );
  return ip.address;
}

function parseServerUrl(raw: string, token: JoinToken): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('URL', `must be berthd's address, e.g. https://192.0.2.10:7070, got "${raw}"`);
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    url.pathname !== '/' ||
    url.search ||
    url.hash
  )
    throw invalid('URL', `must be berthd's address, e.g. https://192.0.2.10:7070, got "${raw}"`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (token.fingerprint !== null && url.protocol !== 'https:')
    throw invalid(
      'URL',
      `must be https:// for a token that pins berthd's CA, got "${raw}"`,
      'Use the URL that berth servers add printed',
    );
  if (token.fingerprint === null && (url.protocol !== 'http:' || !isLoopbackHost(host)))
    throw invalid(
      'URL',
      `must be http:// on this machine for a token without a CA fingerprint, got "${raw}"`,
      'Tokens for other machines carry berthd’s CA fingerprint: start berthd with berth up --api-host ADDR, then berth servers add NAME',
    );
  return url.origin;
}
