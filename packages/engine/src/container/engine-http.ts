/**
 * A thin typed client for the Docker Engine API over a unix socket (node:http with `socketPath`),
 * used instead of dockerode. Why: docker-modem's single modem-wide socket timeout also cuts idle
 * `logs?follow=1` streams, so we would need two clients; Podman's compat service reports pull
 * failures inside a 200 progress stream that we must parse ourselves anyway; and dockerode wraps
 * the engine's message as "(HTTP code 500) server error - …" and its types return `any` in places.
 * What we need is ~6 endpoints, each with its own deadline and the engine's message verbatim.
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '@berth/protocol';

export interface EngineRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path below the API version prefix, e.g. `/containers/json`. */
  path: string;
  /** An array repeats the parameter (`changes=…&changes=…`), as the engine expects for lists. */
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
  /** Whole-request deadline; defaults to the client's. */
  timeoutMs?: number;
  /** Extra request headers, e.g. `X-Registry-Auth` for a push or pull. */
  headers?: Readonly<Record<string, string>>;
}

export interface EngineResponse {
  status: number;
  /** Parsed JSON when the engine sent JSON, else the text (often empty). */
  body: unknown;
}

export interface EngineStreamRequest extends EngineRequest {
  signal?: AbortSignal;
  /** A body streamed as it is read (a tar archive for /build), sent instead of a JSON `body`. */
  upload?: { stream: Readable; contentType: string };
}

export interface EngineHttpClient {
  readonly socketPath: string;
  request(req: EngineRequest): Promise<EngineResponse>;
  /**
   * Resolves with the response once headers arrive (timeoutMs bounds only that wait); the caller
   * consumes the body and must destroy it when done early. Aborting the signal closes the socket.
   */
  openStream(req: EngineStreamRequest): Promise<IncomingMessage>;
  /**
   * A request the engine answers by taking over the connection (`101 UPGRADED`, as exec start
   * does): resolves with the socket, both ways. Another status rejects with the engine's words.
   */
  upgrade(req: EngineRequest): Promise<Duplex>;
}

export interface EngineHttpClientOptions {
  socketPath: string;
  /** Prefix such as `/v1.41`, or '' for the engine's latest. */
  versionPrefix: () => Promise<string>;
  timeoutMs: number;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'ECONNRESET', 'EPIPE']);

export function createEngineHttpClient(options: EngineHttpClientOptions): EngineHttpClient {
  const { socketPath } = options;

  async function send(
    req: EngineStreamRequest,
    collect: boolean,
  ): Promise<{ res: IncomingMessage; body: unknown }> {
    const path = (await options.versionPrefix()) + req.path + toQueryString(req.query);
    const timeoutMs = req.timeoutMs ?? options.timeoutMs;
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...req.headers, Host: 'engine' };
      if (req.upload) headers['Content-Type'] = req.upload.contentType;
      else if (payload !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(payload));
      }
      const request = http.request({ socketPath, path, method: req.method, headers, signal: req.signal });
      const timer = setTimeout(() => request.destroy(timeoutError(socketPath, req, timeoutMs)), timeoutMs);
      const fail = (err: unknown): void => {
        clearTimeout(timer);
        reject(toTransportError(err, socketPath, req));
      };
      request.on('error', fail);
      request.on('response', (res) => {
        if (!collect) {
          clearTimeout(timer);
          resolve({ res, body: undefined });
          return;
        }
        readBody(res).then((body) => {
          clearTimeout(timer);
          resolve({ res, body });
        }, fail);
      });
      if (req.upload) {
        // pipeline, not pipe: it also sees a body stream that failed before we got here.
        pipeline(req.upload.stream, request).catch((err: unknown) => request.destroy(toError(err)));
      } else {
        request.end(payload);
      }
    });
  }

  return {
    socketPath,
    async request(req) {
      const { res, body } = await send(req, true);
      return { status: res.statusCode ?? 0, body };
    },
    async openStream(req) {
      const { res } = await send(req, false);
      return res;
    },
    upgrade: (req) => upgrade(options, req),
  };
}

async function upgrade(options: EngineHttpClientOptions, req: EngineRequest): Promise<Duplex> {
  const { socketPath } = options;
  const path = (await options.versionPrefix()) + req.path + toQueryString(req.query);
  const payload = JSON.stringify(req.body ?? {});
  const timeoutMs = req.timeoutMs ?? options.timeoutMs;
  return new Promise((resolve, reject) => {
    const request = http.request({
      socketPath,
      path,
      method: req.method,
      headers: {
        Host: 'engine',
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(payload)),
        Connection: 'Upgrade',
        Upgrade: 'tcp',
      },
    });
    const timer = setTimeout(() => request.destroy(timeoutError(socketPath, req, timeoutMs)), timeoutMs);
    request.on('error', (err) => {
      clearTimeout(timer);
      reject(toTransportError(err, socketPath, req));
    });
    request.on('upgrade', (_res, socket, head) => {
      clearTimeout(timer);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    request.on('response', (res) => {
      clearTimeout(timer);
      readBody(res).then(
        (body) =>
          reject(
            new BerthError(
              'INTERNAL',
              `${req.method} ${req.path}: the engine answered ${res.statusCode ?? 0}: ${engineMessage(body)}`,
            ),
          ),
        (err: unknown) => reject(toTransportError(err, socketPath, req)),
      );
    });
    request.end(payload);
  });
}

function toQueryString(query: EngineRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === 'object') value.forEach((item) => params.append(key, item));
    else if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

async function readBody(res: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      res.destroy();
      throw new Error(`engine response larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = res.headers['content-type'] ?? '';
  if (type.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

const engineHint = (socketPath: string): string =>
  `Start the engine's API service (Podman: \`podman system service --time=0 unix://${socketPath}\`; ` +
  'Docker: start dockerd) or point Berth at the socket it listens on.';

function timeoutError(socketPath: string, req: EngineRequest, timeoutMs: number): BerthError {
  return new BerthError(
    'ENGINE_UNAVAILABLE',
    `The container engine at ${socketPath} did not answer ${req.method} ${req.path} within ${timeoutMs} ms`,
    { hint: 'The engine may be overloaded or stuck; check its service log, or restart it.' },
  );
}

function toTransportError(err: unknown, socketPath: string, req: EngineRequest): Error {
  if (err instanceof BerthError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  const code = errnoCode(err);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new BerthError(
      'ENGINE_UNAVAILABLE',
      `Cannot reach the container engine at unix socket ${socketPath} (${code})`,
      { hint: engineHint(socketPath), cause: err },
    );
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new BerthError(
    'ENGINE_UNAVAILABLE',
    `${req.method} ${req.path} to the engine at ${socketPath} failed: ${reason}`,
    {
      hint: engineHint(socketPath),
      cause: err,
    },
  );
}

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

/** The engine's own words from an error body: Docker and Podman both send `{ message }`. */
export function engineMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') {
    return body.message;
  }
  if (typeof body === 'string' && body.trim() !== '') return body.trim();
  return 'no reason given';
}

export async function readAll(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
