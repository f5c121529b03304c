/**
 * A WireGuard public key as `wg` prints it: 32 bytes of Curve25519 in standard base64. The last
 * character before the padding carries only 4 bits, so it is one of 16 letters.
 */
export const WIREGUARD_KEY_PATTERN = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export const isWireGuardKey = (raw: string): boolean => WIREGUARD_KEY_PATTERN.test(raw);
