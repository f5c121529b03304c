import assert from 'node:assert/strict';
import type { ErrorCode } from '@berth/protocol';
import type { TestApi } from './api.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface Req {
  method: Method;
  url: string;
  /** Sent as JSON (with Content-Type: application/json) unless `raw` is given. */
  body?: unknown;
  /** Sent byte for byte, with whatever Content-Type `headers` says (none when it says nothing). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** The owner token by default; null sends no Authorization header. */
  token?: string | null;
  /** The client's address as berthd sees it (127.0.0.1 by default). */
  remoteAddress?: string;
}

export interface Res {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export interface Client {
  /** The API it sends to (its store, for fixtures that arrange state directly). */
  readonly api: TestApi;
  send(req: Req): Promise<Res>;
  /** How many requests this client has sent. */
  readonly sent: number;
}

export function createClient(api: TestApi): Client {
  let sent = 0;
  return {
    api,
    get sent() {
      return sent;
    },
    async send(req) {
      const headers: Record<string, string> = {};
      const token = req.token === undefined ? api.token : req.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let payload: string | Buffer | undefined = req.raw;
      if (payload === undefined && req.body !== undefined) {
        payload = JSON.stringify(req.body);
        headers['content-type'] = 'application/json';
      }
      sent += 1;
      const res = await api.app.inject({
        method: req.method,
        url: req.url,
        headers: { ...headers, ...req.headers },
        ...(payload !== undefined && { payload }),
        ...(req.remoteAddress !== undefined && { remoteAddress: req.remoteAddress }),
      });
      return { status: res.statusCode, headers: res.headers, text: res.body, json: parseJson(res.body) };
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const PROBLEM_FIELDS = ['type', 'title', 'status', 'detail', 'code', 'requestId', 'hint', 'errors', 'logs'];

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  hint?: string;
  errors?: { path: string; message: string }[];
}

/**
 * Asserts an RFC 9457 problem: the status, the content type, every required member, the code,
 * and the request id matching the x-request-id header. `field` must be named by an `errors` entry.
 */
export function expectProblem(res: Res, status: number, code: ErrorCode, field?: string): ProblemBody {
  const what = `${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`;
  assert.equal(res.status, status, `expected ${what}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `content type of ${what}`);
  const body = res.json as ProblemBody;
  assert.ok(typeof body === 'object' && body !== null, `a problem body for ${what}`);
  for (const key of ['type', 'title', 'detail', 'requestId'] as const) {
    assert.equal(typeof body[key], 'string', `problem.${key} of ${what}`);
    assert.ok(body[key].length > 0, `problem.${key} is empty in ${what}`);
  }
  assert.equal(body.status, status, `problem.status of ${what}`);
  assert.equal(body.code, code, `problem.code of ${what}`);
  assert.equal(
    body.requestId,
    res.headers['x-request-id'],
    `problem.requestId is the x-request-id of ${what}`,
  );
  const extra = Object.keys(body).filter((k) => !PROBLEM_FIELDS.includes(k));
  assert.deepEqual(extra, [], `unexpected problem members in ${what}`);
  if (field !== undefined) {
    const errors = body.errors ?? [];
    assert.ok(
      errors.some((e) => `${e.path} ${e.message}`.includes(field)),
      `errors should name "${field}" in ${what}`,
    );
  }
  return body;
}

export const API = '/api/v1';
