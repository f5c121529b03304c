/**
 * One API port, two protocols: HTTPS for everyone, plain HTTP only for connections made to this
 * machine's own loopback address (127.0.0.1, ::1) — the local CLI and the local agent, which
 * `berth up` points there. The first byte of a connection tells which it speaks (a TLS record
 * starts with 0x16, an HTTP request with a letter), so a wildcard listen address (0.0.0.0, ::),
 * which also covers 127.0.0.1 and so cannot share its port with a second listener, still serves
 * both. TLS connections are handed, once their handshake is done, to the same Node HTTP server
 * Fastify runs on (its connection handling, timeouts and WebSocket upgrades apply to both).
 * Plain HTTP that arrives anywhere else is answered 400 TLS_REQUIRED by refusePlainBeyondLoopback.
 */
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { BerthError } from '@berth/protocol';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** The first byte of a TLS record carrying a handshake (RFC 8446 §5.1, ContentType 22). */
const TLS_HANDSHAKE = 0x16;
/** A client has this long to send its first byte, and then to finish the TLS handshake. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TlsDispatch {
  /** Swaps the certificate for new connections (renewal); open connections keep theirs. */
  setSecureContext(options: SecureContextOptions): void;
  /** Also listens on 127.0.0.1:port, for the local parts, when the API host is one other address. */
  listenLoopback(port: number): Promise<void>;
  close(): void;
}

type ConnectionListener = (this: HttpServer, socket: Socket | TLSSocket) => void;

/** Makes `server` (Fastify's, not yet listening) take TLS and loopback-only plain HTTP on its connections. */
export function installTlsDispatch(
  server: HttpServer,
  initial: SecureContextOptions,
  log: Logger,
): TlsDispatch {
  const httpConnection = server.listeners('connection')[0] as ConnectionListener | undefined;
  if (!httpConnection) throw new Error('the HTTP server has no connection listener to dispatch to');
  server.removeListener('connection', httpConnection);

  const tlsServer = createTlsServer({
    ...initial,
    ALPNProtocols: ['http/1.1'],
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  tlsServer.on('secureConnection', (socket: TLSSocket) => httpConnection.call(server, socket));
  tlsServer.on('tlsClientError', (err, socket) => {
    log.debug({ err: err.message, from: socket.remoteAddress }, 'TLS handshake failed');
    socket.destroy();
  });

  /** Connections not yet handed on: ended when berthd stops. */
  const waiting = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    waiting.add(socket);
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('close', () => waiting.delete(socket));
    socket.once('data', (first: Buffer) => {
      waiting.delete(socket);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) {
        // The TLS socket reads what the raw one has buffered, then takes over its handle.
        tlsServer.emit('connection', socket);
      } else {
        httpConnection.call(server, socket);
        socket.resume();
      }
    });
  });

  const extra: NetServer[] = [];
  return {
    setSecureContext: (options) => tlsServer.setSecureContext(options),
    async listenLoopback(port) {
      const loopback = createNetServer((socket) => server.emit('connection', socket));
      extra.push(loopback);
      await new Promise<void>((resolve, reject) => {
        loopback.once('error', reject);
        loopback.listen(port, '127.0.0.1', () => resolve());
      });
    },
    close() {
      for (const s of extra) s.close();
      for (const socket of waiting) socket.destroy();
    },
  };
}

/** The addresses a connection may arrive at to speak plain HTTP: the local parts' loopback. */
const PLAIN_LOCAL_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Answers plain HTTP that did not arrive at loopback with 400 TLS_REQUIRED, before anything else runs. */
export function refusePlainBeyondLoopback(app: FastifyInstance, publicUrl: string | null): void {
  app.addHook('onRequest', async (request, reply) => {
    const socket = request.raw.socket as Partial<TLSSocket>;
    if (socket.encrypted || PLAIN_LOCAL_ADDRESSES.has(socket.localAddress ?? '')) return;
    reply.header('connection', 'close');
    const httpsUrl = publicUrl ?? `https://${request.host}`;
    throw new BerthError('TLS_REQUIRED', 'berthd speaks HTTPS only beyond this machine', {
      hint: `Use ${httpsUrl} (berth login --url ${httpsUrl} --fingerprint sha256:… as berth up printed it)`,
    });
  });
}
