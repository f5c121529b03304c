import { isWildcardAddress } from '@berth/core';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { createTlsDispatch, LISTEN_BACKLOG, type TlsDispatch } from './listener.js';
import { createServingTls, type ServingTls } from './serving.js';

/** berthd's HTTPS, made before the HTTP app (whose server it provides). */
export interface ApiTls {
  serverFactory: FastifyServerFactory;
  serving: ServingTls;
  dispatch: TlsDispatch;
}

export interface ApiListening {
  url: string;
  caFingerprint: string | null;
  close(): void;
}

/** The certificate and the server for HTTPS beyond loopback; null on loopback. */
export async function prepareApiTls(
  config: ServerConfig,
  clock: () => number,
  log: Logger,
): Promise<ApiTls | null> {
  const { tls } = config;
  if (tls.kind === 'off') return null;
  const serving = await createServingTls({ ...config, tls }, clock, log);
  const dispatch = createTlsDispatch(serving.current);
  return { serverFactory: dispatch.serverFactory, serving, dispatch };
}

/**
 * Puts the API on the network: plain HTTP on loopback as before, or — listening beyond it —
 * HTTPS there and plain HTTP on 127.0.0.1 of the same port for the local parts (see listener.ts).
 */
export async function listenApi(
  app: FastifyInstance,
  config: ServerConfig,
  tls: ApiTls | null,
): Promise<ApiListening> {
  const url = await app.listen({ host: config.listenHost, port: config.listenPort, backlog: LISTEN_BACKLOG });
  if (!tls) return { url, caFingerprint: null, close: () => undefined };
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listenPort;
  // A wildcard address already takes 127.0.0.1 (and could not share the port with another listener).
  if (!isWildcardAddress(config.listenHost)) await tls.dispatch.listenLoopback(port);
  tls.serving.start((next) => tls.dispatch.setSecureContext(next));
  const host = config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost;
  return {
    url: `https://${host}:${port}`,
    caFingerprint: tls.serving.caFingerprint,
    close() {
      tls.serving.stop();
      tls.dispatch.close();
    },
  };
}
