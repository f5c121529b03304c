import { BerthError } from '@berth/protocol';

/** The state of an interface as `wg show NAME dump` reports it, without its private key. */
export interface WireGuardStatus {
  publicKey: string;
  listenPort: number;
  peers: WireGuardPeerStatus[];
}

export interface WireGuardPeerStatus {
  publicKey: string;
  endpoint: string | null;
  allowedIps: string[];
  /** Null until the first handshake. */
  latestHandshakeAt: Date | null;
  rxBytes: number;
  txBytes: number;
  persistentKeepaliveSeconds: number | null;
}

const none = (field: string | undefined): string | null =>
  field === undefined || field === '(none)' ? null : field;

function toNumber(field: string | undefined, what: string): number {
  if (field === undefined || !/^[0-9]+$/.test(field))
    throw new BerthError('INTERNAL', `wg show dump: ${what} is not a number (${String(field)})`);
  return Number(field);
}

/**
 * Parses `wg show NAME dump`: a tab-separated interface line (private key, public key, port,
 * fwmark) and one line per peer (public key, preshared key, endpoint, allowed IPs, latest
 * handshake in Unix seconds or 0, rx, tx, keepalive or `off`). The private key is dropped here.
 */
export function parseWgDump(text: string): WireGuardStatus {
  const [head = '', ...lines] = text.split('\n').filter((line) => line.length > 0);
  const [, publicKey = '', port] = head.split('\t');
  return {
    publicKey,
    listenPort: toNumber(port, 'listen port'),
    peers: lines.map((line) => {
      const [key = '', , endpoint, allowed, handshake, rx, tx, keepalive] = line.split('\t');
      const handshakeSeconds = toNumber(handshake, 'latest handshake');
      return {
        publicKey: key,
        endpoint: none(endpoint),
        allowedIps: none(allowed)?.split(',') ?? [],
        latestHandshakeAt: handshakeSeconds === 0 ? null : new Date(handshakeSeconds * 1000),
        rxBytes: toNumber(rx, 'rx bytes'),
        txBytes: toNumber(tx, 'tx bytes'),
        persistentKeepaliveSeconds: keepalive === 'off' ? null : toNumber(keepalive, 'keepalive'),
      };
    }),
  };
}
