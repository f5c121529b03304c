import { isErrorCode, Problem } from '@berth/protocol';
import type { z } from 'zod';
import {
  API_PREFIX,
  requestPath,
  type ApiPath,
  type Method,
  type OptionsArg,
  type RequestOptions,
  type RequestParams,
} from './api-paths.js';
import { ApiError } from './errors.js';
import { createBerthdFetch } from './tls.js';
import { readNdjson } from './ndjson.js';

export { ApiError } from './errors.js';
export { requestPath, type ApiPath, type Method, type RequestOptions } from './api-paths.js';

/** The HTTP transport under the typed client: auth header, timeouts, TLS trust, problem+json → ApiError. */

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
  /**
   * For an https URL of a berthd with its own CA: `sha256:<hex>` of that CA's key (see
   * @berth/crypto parseCaFingerprint). Without it, https is verified against the system's CAs.
   */
  fingerprint?: string | null;
  /** Per-request timeout for non-streaming calls. */
  timeoutMs?: number;
}

/** A call whose answer is read for longer than a request (a stream, a restore): no timeout, this signal ends it. */
export interface StreamOption {
  stream?: { signal?: AbortSignal | undefined } | null;
}

/**
 * Function properties, not methods: callers destructure them. A request names a path template of
 * openapi.yaml (without /api/v1) that has `method`, and fills its parameters:
 * `json(App, 'GET', '/apps/{app}', { path: { app: name } })`.
 */
export interface Transport {
  call: <M extends Method, P extends ApiPath<M>>(
    method: M,
    path: P,
    ...options: OptionsArg<RequestOptions<P, M> & StreamOption>
  ) => Promise<Response>;
  json: <S extends z.ZodType, M extends Method, P extends ApiPath<M>>(
    schema: S,
    method: M,
    path: P,
    ...options: OptionsArg<RequestOptions<P, M>>
  ) => Promise<z.infer<S>>;
  lines: (res: Response, signal?: AbortSignal) => AsyncGenerator<unknown>;
}

/** Any request's options, once the caller's types have been checked against the spec. */
interface SendOptions extends RequestParams, StreamOption {
  body?: unknown;
  headers?: Record<string, string>;
}

export function createTransport({ url, token, fingerprint, timeoutMs = 30_000 }: ClientOptions): Transport {
  const base = url.replace(/\/+$/, '');
  const fetch = createBerthdFetch({ url: base, fingerprint: fingerprint ?? null });
  async function send(
    method: Method,
    template: string,
    { body, headers = {}, stream = null, ...params }: SendOptions = {},
  ): Promise<Response> {
    const path = requestPath(template, params);
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
      res = await fetch(`${base}${API_PREFIX}${path}`, init);
    } catch (err) {
      if (stream?.signal?.aborted || err instanceof ApiError) throw err;
      throw unreachable(base, err);
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  }

  const call: Transport['call'] = (method, path, ...options) => send(method, path, options[0]);

  const json: Transport['json'] = async (schema, method, path, ...options) => {
    const res = await send(method, path, options[0]);
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch (err) {
      // The connection died while the answer was on its way (berthd was killed, say).
      if (err instanceof SyntaxError) throw err;
      throw unreachable(base, err);
    }
    return schema.parse(parsed);
  };

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
  const problem = parseProblem(text);
  const code = isErrorCode(problem?.code) ? problem.code : 'INTERNAL';
  return new ApiError(
    res.status,
    code,
    problem?.detail ?? `HTTP ${res.status}: ${text.slice(0, 200)}`,
    problem?.hint,
    problem?.errors ?? [],
    problem?.requestId,
  );
}

/** The body as problem+json (any of its fields), or null when something other than berthd answered. */
function parseProblem(text: string): Partial<z.infer<typeof Problem>> | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = Problem.partial().safeParse(body);
  return parsed.success ? parsed.data : null;
}
