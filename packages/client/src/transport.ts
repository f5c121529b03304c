import { isErrorCode, Problem, type ErrorCode, type FieldIssue } from '@berth/protocol';
import type { z } from 'zod';

/** The HTTP transport under the typed client: auth header, timeouts, problem+json → ApiError. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'UNREACHABLE',
    message: string,
    readonly hint: string | undefined,
    readonly issues: FieldIssue[],
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
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
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new ApiError(
        0,
        'UNREACHABLE',
        `Cannot reach berthd at ${base} (${cause})`,
        'Is `berth up` running? Check BERTH_URL or --url',
        [],
        undefined,
      );
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
    return schema.parse(await res.json());
  }

  return { call, json };
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
