import { readFile } from 'node:fs/promises';

/**
 * Which TCP ports a container's processes listen on, read from the host the way `ss -ltn` does
 * inside it: `/proc/<pid>/net/tcp` and `tcp6` of any process in the container list the sockets
 * of its network namespace. Needs the right to read that process's /proc entry (root, or the
 * same user); without it the answer is null and nothing is claimed.
 */

export interface ListeningSocket {
  /** `0.0.0.0`, `::`, `127.0.0.1`, `::1`, or another address of the container. */
  address: string;
  port: number;
}

/** The `st` column of a socket in LISTEN state. */
const LISTEN = '0A';

/** Sockets in LISTEN state from the text of /proc/<pid>/net/tcp (family 4) or tcp6 (family 6). */
export function parseListeningSockets(text: string, family: 4 | 6): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const row of text.split('\n').slice(1)) {
    const [, local, , state] = row.trim().split(/\s+/);
    if (state !== LISTEN || !local) continue;
    const [hexAddress, hexPort] = local.split(':');
    if (!hexAddress || !hexPort || !/^[0-9A-Fa-f]{4}$/.test(hexPort)) continue;
    const address = family === 4 ? toIpv4(hexAddress) : toIpv6(hexAddress);
    if (address === null) continue;
    const socket = { address, port: parseInt(hexPort, 16) };
    if (!out.some((s) => s.address === socket.address && s.port === socket.port)) out.push(socket);
  }
  return out;
}

/** The kernel prints each 32-bit word of an address in host byte order (little-endian here). */
function words(hex: string, count: number): number[][] | null {
  if (!new RegExp(`^[0-9A-Fa-f]{${count * 8}}$`).test(hex)) return null;
  const out: number[][] = [];
  for (let w = 0; w < count; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const bytes = [6, 4, 2, 0].map((i) => parseInt(word.slice(i, i + 2), 16));
    out.push(bytes);
  }
  return out;
}

function toIpv4(hex: string): string | null {
  const w = words(hex, 1);
  return w?.[0] ? w[0].join('.') : null;
}

function toIpv6(hex: string): string | null {
  const w = words(hex, 4);
  if (!w) return null;
  const bytes = w.flat();
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    return bytes.slice(12).join('.');
  }
  return compressIpv6(groups);
}

/** RFC 5952: the longest run of zero groups (two or more) becomes `::`. */
function compressIpv6(groups: string[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** The listening sockets of the network namespace of process `pid`; null when they cannot be read. */
export async function readListeningSockets(pid: number): Promise<ListeningSocket[] | null> {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const read = (name: string): Promise<string | null> =>
    readFile(`/proc/${pid}/net/${name}`, 'utf8').catch(() => null);
  const [v4, v6] = await Promise.all([read('tcp'), read('tcp6')]);
  if (v4 === null && v6 === null) return null;
  return [...parseListeningSockets(v4 ?? '', 4), ...parseListeningSockets(v6 ?? '', 6)];
}
