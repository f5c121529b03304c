import {
  BerthError,
  ERROR_CODES,
  problemType,
  type ErrorCode,
  type FieldIssue,
  type Problem,
} from '@berth/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * The one place errors become HTTP: every failure is RFC 9457 problem+json with a stable code and
 * the request id. A user's mistake is always a 4xx; only our own bugs are 500s.
 */
export function toProblem(error: unknown, requestId: string): Problem {
  const e = toBerthError(error);
  const problem: Problem = {
    type: problemType(e.code),
    title: titleOf(e.code),
    status: e.status,
    detail: e.message,
    code: e.code,
    requestId,
  };
  if (e.hint) problem.hint = e.hint;
  if (e.issues.length > 0) problem.errors = e.issues;
  if (e.logs.length > 0) problem.logs = e.logs;
  return problem;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: unknown): FastifyReply {
  const problem = toProblem(error, request.id);
  if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
  // Refused with its body not (wholly) read, e.g. an upload past the limit: the connection is
  // closed after the answer. Kept alive, the rest of that body stays unread, and a client that
  // sends its next request on the same connection waits until the keep-alive timeout.
  if (!request.raw.complete) reply.header('connection', 'close');
  // Set here as well as in the onSend hook: router errors (frameworkErrors) are sent outside the hooks.
  return reply
    .status(problem.status)
    .header('x-request-id', request.id)
    .type('application/problem+json')
    .send(problem);
}

function toBerthError(error: unknown): BerthError {
  if (error instanceof BerthError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues: FieldIssue[] = error.validation.map((v) => ({
      path: [error.validationContext, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.'),
      message: unknownKeysMessage(v.params) ?? v.message ?? 'is invalid',
    }));
    const first = issues[0];
    return new BerthError(
      'VALIDATION_FAILED',
      first ? `Invalid ${first.path}: ${first.message}` : 'Invalid request',
      { issues },
    );
  }
  if (isFastifyError(error)) return fromFastifyError(error);
  return new BerthError(
    'INTERNAL',
    'Something went wrong inside berthd; the request id identifies it in the log',
    {
      cause: error,
    },
  );
}

function unknownKeysMessage(params: unknown): string | null {
  if (typeof params !== 'object' || params === null) return null;
  const issue = (params as { issue?: { code?: string; keys?: string[] } }).issue;
  return issue?.code === 'unrecognized_keys' && issue.keys
    ? `unknown field(s): ${issue.keys.join(', ')}`
    : null;
}

const isFastifyError = (e: unknown): e is FastifyError =>
  e instanceof Error && typeof (e as Partial<FastifyError>).code === 'string';

function fromFastifyError(e: FastifyError): BerthError {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BerthError('BODY_TOO_LARGE', 'The request body is too large (the limit is 1 MiB)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BerthError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new BerthError('BODY_MALFORMED', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BerthError('BODY_MALFORMED', 'The Content-Length does not match the body');
    case 'FST_ERR_BAD_URL':
      return new BerthError('VALIDATION_FAILED', 'The URL is not valid (a malformed %-escape?)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new BerthError('VALIDATION_FAILED', 'A path parameter of the URL is too long', {
        hint: 'App names are at most 32 characters',
      });
    default:
      break;
  }
  if (e instanceof SyntaxError || /prototype|constructor/i.test(e.message)) {
    return new BerthError('BODY_MALFORMED', `The request body is not acceptable JSON: ${e.message}`);
  }
  const status = e.statusCode ?? 500;
  if (status >= 400 && status < 500) return new BerthError(codeForStatus(status), e.message);
  return new BerthError(
    'INTERNAL',
    'Something went wrong inside berthd; the request id identifies it in the log',
    {
      cause: e,
    },
  );
}

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'ROUTE_NOT_FOUND';
  if (status === 405) return 'METHOD_NOT_ALLOWED';
  if (status === 413) return 'BODY_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  return 'BODY_MALFORMED';
}

const titleOf = (code: ErrorCode): string =>
  `${code
    .toLowerCase()
    .split('_')
    .map((w, i) => (i === 0 ? w[0]?.toUpperCase() + w.slice(1) : w))
    .join(' ')}`;

export const statusOf = (code: ErrorCode): number => ERROR_CODES[code].status;
