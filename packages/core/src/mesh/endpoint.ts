import { parseIpAddress } from '../network/addresses.js';

/**
 * Where a server's WireGuard listens, as other servers dial it: `a.b.c.d:port` or
 * `[v6]:port`. The canonical text, or null when `raw` is not one (names are refused: WireGuard
 * resolves them once, at configuration time, and a server's address should not depend on DNS).
 */
export function parseMeshEndpoint(raw: string): string | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(raw);
  if (!match) return null;
  const [, v6, v4, portText = ''] = match;
  const port = Number(portText);
  if (port < 1 || port > 65535 || String(port) !== portText) return null;
  const ip = parseIpAddress(v6 ?? v4 ?? '');
  if (!ip || ip.family !== (v6 ? 6 : 4)) return null;
  return ip.family === 6 ? `[${ip.address}]:${port}` : `${ip.address}:${port}`;
}
