/**
 * The edge service's loopback ports and its certificate secret, chosen once per run of berth up
 * (or berth agent run) and given to both the `dns` child that serves them and the agent that
 * writes Caddy's config naming them. A restarted child gets the same ones, so Caddy's config
 * stays the same for the whole run.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';

export interface EdgeServicePorts {
  /** The 404, redirects and HTTP-01 tokens. */
  responderPort: number;
  /** Certificates at each handshake, behind the secret path segment. */
  certificatePort: number;
  certificateSecret: string;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function chooseEdgeServicePorts(): Promise<EdgeServicePorts> {
  const responderPort = await freeLoopbackPort();
  let certificatePort = await freeLoopbackPort();
  while (certificatePort === responderPort) certificatePort = await freeLoopbackPort();
  return { responderPort, certificatePort, certificateSecret: randomBytes(32).toString('base64url') };
}

/** The variables both children read them from. */
export const edgeServiceEnv = (e: EdgeServicePorts): Record<string, string> => ({
  BERTH_EDGE_RESPONDER_PORT: String(e.responderPort),
  BERTH_EDGE_CERTIFICATE_PORT: String(e.certificatePort),
  BERTH_EDGE_CERTIFICATE_SECRET: e.certificateSecret,
});
