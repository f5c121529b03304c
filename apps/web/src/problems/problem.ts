import type { Problem } from '../api/paths.js';

/** A failed API call: the HTTP status and, when berthd answered one, its problem+json. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem ? problem.detail || problem.title : `berthd answered HTTP ${status}`);
    this.name = 'ApiError';
  }
}

export const isUnauthenticated = (error: unknown): boolean =>
  error instanceof ApiError && error.status === 401;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringOr = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

/**
 * A problem+json body, or null when the body is not one (a proxy's HTML error page, an empty
 * body). Only what is shown is checked; missing optional parts are left out.
 */
export function parseProblem(body: unknown): Problem | null {
  if (!isRecord(body) || typeof body.code !== 'string' || typeof body.title !== 'string') return null;
  const problem: Problem = {
    type: stringOr(body.type, 'about:blank'),
    title: body.title,
    status: typeof body.status === 'number' ? body.status : 0,
    detail: stringOr(body.detail, ''),
    code: body.code,
    requestId: stringOr(body.requestId, ''),
  };
  if (typeof body.hint === 'string') problem.hint = body.hint;
  if (Array.isArray(body.errors)) {
    problem.errors = body.errors.filter(isRecord).map((e) => ({
      path: stringOr(e.path, ''),
      message: stringOr(e.message, 'is invalid'),
    }));
  }
  if (Array.isArray(body.logs)) problem.logs = body.logs.filter((l): l is string => typeof l === 'string');
  return problem;
}

/** What a person reads about a failure: one sentence, what to do next, and the particulars. */
export interface ErrorMessage {
  message: string;
  hint: string | null;
  /** One line per invalid field, when there is more than one (the message names the first). */
  fields: string[];
  /** A failed deploy's last container log lines. */
  logs: string[];
  requestId: string | null;
}

/**
 * Hints written for the CLI that mean something else in the dashboard. A session's CSRF token
 * is only in the tab that logged in (sessionStorage), so another tab has to log in again.
 */
const DASHBOARD_HINTS: Readonly<Record<string, string>> = {
  CSRF_FAILED: 'This tab has no change token for your session: log in again in this tab, then retry',
  UNAUTHENTICATED: 'Log in again',
};

/** A field's path as berthd names it (`body.password`), as the form names it (`password`). */
const fieldName = (path: string): string => path.replace(/^(body|query|params)\.?/, '') || 'request';

export function describeError(error: unknown): ErrorMessage {
  if (error instanceof ApiError) {
    const p = error.problem;
    if (!p) {
      return {
        message: error.message,
        hint:
          error.status >= 500
            ? "berthd or a proxy in front of it failed: check berthd's log, then retry"
            : 'Reload the page; if it persists, check that this page and berthd are the same version',
        fields: [],
        logs: [],
        requestId: null,
      };
    }
    const issues = p.errors ?? [];
    return {
      message: p.detail || p.title,
      hint: DASHBOARD_HINTS[p.code] ?? p.hint ?? null,
      fields: issues.length > 1 ? issues.map((e) => `${fieldName(e.path)}: ${e.message}`) : [],
      logs: p.logs ?? [],
      requestId: p.requestId || null,
    };
  }
  // fetch() rejects with a TypeError when no answer came at all.
  if (error instanceof TypeError) {
    return {
      message: 'berthd did not answer',
      hint: 'Check that berthd is running and reachable, then retry',
      fields: [],
      logs: [],
      requestId: null,
    };
  }
  return {
    message: error instanceof Error ? error.message : 'Something went wrong',
    hint: null,
    fields: [],
    logs: [],
    requestId: null,
  };
}
