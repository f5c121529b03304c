import assert from 'node:assert/strict';
import type { TestApi } from './api.js';
import { createApp, liveApp } from './fixtures.js';
import { API, type Client, type Res } from './http.js';

/** One valid request per operation and what its answer must show (api-routes.int.test.ts). */

export interface Ctx {
  api: TestApi;
  client: Client;
  /** A fresh name for this case (an app, team, project or token name; `<name>@example.com`). */
  name: string;
  /** The token the request goes with: the owner's (none for public routes) unless arrange changes it. */
  token: string | null;
  /** Whatever arrange wants the body or check to see. */
  vars: Record<string, string>;
}

export interface RouteCase {
  /** Creates what the request needs; returns the path parameters. */
  arrange?: (c: Ctx) => Promise<Record<string, string>>;
  body?: unknown;
  /** The body, when it depends on what arrange made. */
  bodyOf?: (c: Ctx) => unknown;
  /** Bytes sent as they are (with a content-type in headers), instead of a JSON body. */
  rawOf?: (c: Ctx) => Buffer;
  query?: string;
  headers?: Record<string, string>;
  /** Headers that depend on what arrange made (a webhook's signature). */
  headersOf?: (c: Ctx) => Record<string, string>;
  status: number;
  /** What the response must show beyond its schema. */
  check?: (res: Res, c: Ctx) => Promise<void> | void;
}

export const named = async (c: Ctx, extra?: Record<string, unknown>): Promise<Record<string, string>> => {
  await createApp(c.client, c.name, extra);
  return { app: c.name };
};

export const live = async (c: Ctx, releases = 1): Promise<Record<string, string>> => {
  await liveApp(c.client, c.api.store, c.name, releases);
  return { app: c.name };
};

/** GET as the owner; fails unless 200. */
export const get = async (c: Ctx, path: string, token?: string): Promise<unknown> => {
  const res = await c.client.send({ method: 'GET', url: `${API}${path}`, ...(token && { token }) });
  assert.equal(res.status, 200, `GET ${path}: ${res.text}`);
  return res.json;
};

/** The JSON of each `data:` field of a text/event-stream answer (comments and `retry:` left out). */
export function sseMessages(res: Res): Record<string, unknown>[] {
  assert.ok(res.text.endsWith('\n\n'), 'an event stream ends with a whole message');
  return res.text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
}

export function ndjsonLines(res: Res): Record<string, unknown>[] {
  assert.ok(res.text.endsWith('\n'), 'NDJSON ends with a newline');
  return res.text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
