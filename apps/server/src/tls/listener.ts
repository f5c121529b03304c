/**
 * One API port, two protocols: HTTPS for everyone, plain HTTP only for connections made to this
 * machine's own loopback address (127.0.0.1, ::1) — the local CLI and the local agent, which
 * `berth up` points there. The first byte of a connection tells which it speaks (a TLS record
 * starts with 0x16, an HTTP request with a letter), so a wildcard listen address (0.0.0.0, ::),
 * which also covers 127.0.0.1 and so cannot share its port with a second listener, still serves
 * both. Fastify runs on one node:https server, so its connection handling, timeouts and
 * WebSocket upgrades are the same for both kinds of connection.
 * Plain HTTP that arrives anywhere else is answered 400 TLS_REQUIRED by refusePlainBeyondLoopback.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { BerthError } from '@berth/protocol';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';

/**
 * Connections the kernel queues until berthd accepts them (it caps this at net.core.somaxconn).
 * Node's default, 511, overflows in a burst (thousands of follow attempts, many CLIs at once)
 * while the event loop is busy, and the kernel then resets connections berthd never saw; queued,
 * each gets an answer berthd can explain (a 429 past a stream cap).
 */
export const LISTEN_BACKLOG = 4096;

/** The first byte of a TLS record carrying a handshake (RFC 8446 §5.1, ContentType 22). */
const TLS_HANDSHAKE = 0x16;
/** A client has this long to send its first byte, and then to finish the TLS handshake. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TlsDispatch {
  /** For Fastify's `serverFactory`: an HTTPS server that also takes plain HTTP (see above). */
  serverFactory: FastifyServerFactory;
  /** Swaps the certificate for new connections (renewal); open connections keep theirs. */
  setSecureContext(options: SecureContextOptions): void;
  /** Also listens on 127.0.0.1:port, for the local parts, when the API host is one other address. */
  listenLoopback(port: number): Promise<void>;
  close(): void;
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

type ConnectionListener = (this: HttpsServer, socket: Socket) => void;

export function createTlsDispatch(initial: SecureContextOptions): TlsDispatch {
  let server: HttpsServer | null = null;
  /** Connections whose first byte has not come yet: ended when berthd stops. */
  const waiting = new Set<Socket>();
  const extra: NetServer[] = [];

  const serverFactory: FastifyServerFactory = (handler, options) => {
    const https = createHttpsServer(
      { ...initial, ALPNProtocols: ['http/1.1'], handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
      handler,
    );
    // What Fastify does for the servers it makes itself.
    https.keepAliveTimeout = numberOr(options.keepAliveTimeout, 72_000);
    https.requestTimeout = numberOr(options.requestTimeout, 0);
    https.setTimeout(numberOr(options.connectionTimeout, 0));
    // An HTTPS server starts TLS on each connection ('connection' → tls) and hands HTTP the
    // decrypted stream ('secureConnection' → http). Both listeners are Node's own; the first
    // byte decides which one a connection goes to.
    const startTls = https.listeners('connection')[0] as ConnectionListener | undefined;
    const startHttp = https.listeners('secureConnection')[0] as ConnectionListener | undefined;
    if (!startTls || !startHttp)
      throw new Error('node:https no longer has the listeners berthd dispatches to');
    https.removeListener('connection', startTls);
    https.on('connection', (socket: Socket) => {
      waiting.add(socket);
      socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
      socket.once('close', () => waiting.delete(socket));
      socket.once('data', (first: Buffer) => {
        waiting.delete(socket);
        socket.setTimeout(0);
        // Paused, so the byte read here stays first in line for whoever reads next.
        socket.pause();
        socket.unshift(first);
        if (first[0] === TLS_HANDSHAKE) {
          startTls.call(https, socket);
        } else {
          startHttp.call(https, socket);
          socket.resume();
        }
      });
    });
    server = https;
    return https;
  };

  return {
    serverFactory,
    setSecureContext(options) {
      server?.setSecureContext(options);
    },
    async listenLoopback(port) {
      const loopback = createNetServer((socket) => server?.emit('connection', socket));
      extra.push(loopback);
      await new Promise<void>((resolve, reject) => {
        loopback.once('error', reject);
        loopback.listen(port, '127.0.0.1', LISTEN_BACKLOG, () => resolve());
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
