/**
 * WebSockets through the edge for connection tests: an echo upstream (`echo:<message>`), a
 * client over TLS to the edge with the right SNI, and one round trip.
 */
import http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export interface EchoServer {
  server: http.Server;
  wss: WebSocketServer;
  port: number;
  /** Errors seen on the upstream side of proxied WebSockets. */
  errors: string[];
  close(): Promise<void>;
}

export const wsText = (data: RawData): string =>
  (Buffer.isBuffer(data)
    ? data
    : Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.from(new Uint8Array(data))
  ).toString('utf8');

export async function startEcho(): Promise<EchoServer> {
  const errors: string[] = [];
  const server = http.createServer((_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => ws.send(`echo:${wsText(data)}`));
    ws.on('error', (e) => errors.push(e.message));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    wss,
    port: (server.address() as net.AddressInfo).port,
    errors,
    async close() {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** wss:// to `host` through the edge's HTTPS port on 127.0.0.1, trusting `caPem` only. */
export function openWebSocket(httpsPort: number, host: string, caPem: string): Promise<WebSocket> {
  // Caddy sees Host <host>:<port> (its host placeholder drops the port) and SNI <host>.
  const ws = new WebSocket(`wss://${host}:${httpsPort}/`, {
    createConnection: () => tls.connect({ host: '127.0.0.1', port: httpsPort, servername: host, ca: caPem }),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export function roundTrip(ws: WebSocket, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: RawData) => resolve(wsText(data)));
    ws.send(message, (err) => err && reject(err));
  });
}
