import { isErrorCode, type ErrorCode, type FieldIssue } from '@berth/protocol';
import type { z } from 'zod';
import { readNdjson } from './ndjson.js';

/** The HTTP transport under the typed client: auth header, timeouts, problem+json → ApiError. */

/**
 * Why a request got no answer (code UNREACHABLE): `refused` never reached berthd (nothing
 * listens: it is down or restarting); `lost` may have reached it and lost the answer (the
 * connection reset or closed, or timed out), so a retry must carry an Idempotency-Key.
 */
export type ConnectionFailure = 'refused' | 'lost';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'UNREACHABLE',
    message: string,
    readonly hint: string | undefined,
    readonly issues: FieldIssue[],
    readonly requestId: string | undefined,
    readonly connection: ConnectionFailure | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function causeCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? err.cause : undefined;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The error of a request or a stream that lost berthd, as an ApiError UNREACHABLE. */
export function unreachable(base: string, err: unknown): ApiError {
  const code = causeCode(err);
  const refused = code !== undefined && NEVER_CONNECTED.has(code);
  const reason =
    err instanceof Error && err.cause instanceof Error
      ? err.cause.message
      : err instanceof Error
        ? err.message
        : String(err);
  return new ApiError(
    0,
    'UNREACHABLE',
    refused
      ? `Cannot reach berthd at ${base} (${reason})`
      : `Lost the connection to berthd at ${base} (${reason})`,
    'Is `berth up` running? Check BERTH_URL or --url',
    [],
    undefined,
    refused ? 'refused' : 'lost',
  );
}

export interface ClientOptions {
  url: string;
  token: string | null;
  /** Per-request timeout for non-streaming calls. */
  timeoutMs?: number;
}

/** Function properties, not methods: callers destructure them. */
export interface Transport {
  call: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    stream?: { signal?: AbortSignal | undefined } | null,
  ) => Promise<Response>;
  json: <S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<z.infer<S>>;
  lines: (res: Response, signal?: AbortSignal) => AsyncGenerator<unknown>;
}

export function createTransport({ url, token, timeoutMs = 30_000 }: ClientOptions): Transport {
  const base = url.replace(/\/+$/, '');
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    stream: { signal?: AbortSignal | undefined } | null = null,
  ): Promise<Response> {
    // Bytes go as they are (an upload, typed by the caller's content-type); anything else as JSON.
    const raw = body instanceof Uint8Array;
    const init: RequestInit = {
      method,
      headers: {
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined || raw ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
      signal: stream ? (stream.signal ?? null) : AbortSignal.timeout(timeoutMs),
    };
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1${path}`, init);
    } catch (err) {
      if (stream?.signal?.aborted) throw err;
      throw unreachable(base, err);
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  }

  async function json<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<z.infer<S>> {
    const res = await call(method, path, body, headers);
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch (err) {
      // The connection died while the answer was on its way (berthd was killed, say).
      if (err instanceof SyntaxError) throw err;
      throw unreachable(base, err);
    }
    return schema.parse(parsed);
  }

  /** Reads a streamed NDJSON answer; a connection that dies mid-stream is an ApiError UNREACHABLE. */
  async function* lines(res: Response, signal?: AbortSignal): AsyncGenerator<unknown> {
    if (!res.body) return;
    try {
      yield* readNdjson(res.body);
    } catch (err) {
      if (signal?.aborted || err instanceof SyntaxError) throw err;
      throw unreachable(base, err);
    }
  }

  return { call, json, lines };
}

async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text();
  let body: { code?: unknown; detail?: unknown; hint?: unknown; errors?: unknown; requestId?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not problem+json: something other than berthd answered.
  }
  const code = isErrorCode(body.code) ? body.code : 'INTERNAL';
  const message = typeof body.detail === 'string' ? body.detail : `HTTP ${res.status}: ${text.slice(0, 200)}`;
  return new ApiError(
    res.status,
    code,
    message,
    typeof body.hint === 'string' ? body.hint : undefined,
    Array.isArray(body.errors) ? (body.errors as FieldIssue[]) : [],
    typeof body.requestId === 'string' ? body.requestId : undefined,
  );
}
