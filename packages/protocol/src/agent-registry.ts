import { z } from 'zod';

/**
 * The fleet registry as one agent reaches it: its own login (one per server, dropped when the
 * server is removed), the password sealed to the agent's X25519 key (aad: registryPasswordAad).
 * Plain HTTP on the servers' private network: what a pull gets is checked by its digest.
 */
export const FleetRegistryAccess = z.object({
  /** `host:port`, as image names spell it. */
  address: z.string().min(1).max(255),
  scheme: z.enum(['http', 'https']),
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(400),
});
export type FleetRegistryAccess = z.infer<typeof FleetRegistryAccess>;

export const registryPasswordAad = (username: string): string => `registry:${username}`;
