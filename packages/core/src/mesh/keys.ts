import { WIREGUARD_KEY_PATTERN } from '@berth/protocol';

export { WIREGUARD_KEY_PATTERN };

export const isWireGuardKey = (raw: string): boolean => WIREGUARD_KEY_PATTERN.test(raw);
