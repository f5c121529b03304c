import createClient, { type Client } from 'openapi-fetch';
import { ApiError, parseProblem } from '../problems/problem.js';
import { createCsrfMiddleware } from './csrf.js';
import { API_PREFIX, type ApiPaths } from './paths.js';

export type ApiClient = Client<ApiPaths>;

export interface ApiClientOptions {
  /** The current CSRF token (null before login): sent on every change. */
  csrfToken: () => string | null;
  /** `/api/v1` on the page's own origin unless given (tests give an absolute one). */
  baseUrl?: string;
  fetch?: (request: Request) => Promise<Response>;
}

/** The typed client of berthd's API, on the dashboard's origin, with the session cookie. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const client = createClient<ApiPaths>({
    baseUrl: options.baseUrl ?? API_PREFIX,
    credentials: 'same-origin',
    headers: { accept: 'application/json, application/problem+json' },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(createCsrfMiddleware(options.csrfToken));
  return client;
}

interface Answered<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

const failure = (answer: Answered<unknown>): ApiError =>
  new ApiError(answer.response.status, parseProblem(answer.error));

/** The body of a successful answer; an ApiError for any other. */
export async function expectData<T>(pending: Promise<Answered<T>>): Promise<T> {
  const answer = await pending;
  if (!answer.response.ok) throw failure(answer);
  if (answer.data === undefined) throw new ApiError(answer.response.status, null);
  return answer.data;
}

/** Success without a body (204); an ApiError for any failure. */
export async function expectOk(pending: Promise<Answered<unknown>>): Promise<void> {
  const answer = await pending;
  if (!answer.response.ok) throw failure(answer);
}
