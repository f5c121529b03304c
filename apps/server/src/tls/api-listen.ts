import { isWildcardAddress } from '@berth/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { installTlsDispatch } from './listener.js';
import { createServingTls } from './serving.js';

export interface ApiListening {
  url: string;
  caFingerprint: string | null;
  close(): void;
}

/**
 * Puts the API on the network: plain HTTP on loopback as before, or — listening beyond it —
 * HTTPS there and plain HTTP on 127.0.0.1 of the same port for the local parts (see listener.ts).
 */
export async function listenApi(
  app: FastifyInstance,
  config: ServerConfig,
  clock: () => number,
  log: Logger,
): Promise<ApiListening> {
  const { tls } = config;
  if (tls.kind === 'off') {
    const url = await app.listen({ host: config.listenHost, port: config.listenPort });
    return { url, caFingerprint: null, close: () => undefined };
  }
  const serving = await createServingTls({ ...config, tls }, clock, log);
  const dispatch = installTlsDispatch(app.server, serving.current, log);
  await app.listen({ host: config.listenHost, port: config.listenPort });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listenPort;
  // A wildcard address already takes 127.0.0.1 (and could not share the port with another listener).
  if (!isWildcardAddress(config.listenHost)) await dispatch.listenLoopback(port);
  serving.start((next) => dispatch.setSecureContext(next));
  const host = config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost;
  return {
    url: `https://${host}:${port}`,
    caFingerprint: serving.caFingerprint,
    close() {
      serving.stop();
      dispatch.close();
    },
  };
}
