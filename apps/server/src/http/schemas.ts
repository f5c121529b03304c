import { IdempotencyKey, Problem } from '@berth/protocol';
import { z } from 'zod';

/** The problem+json body every error shares (defined in the protocol: the client reads errors with it). */
export const ProblemSchema = Problem;

/** A problem response as the spec documents it: errors are sent as application/problem+json, not JSON. */
export const problemResponse = (description: string) =>
  ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } }) as const;

/** A streamed response: newline-delimited JSON, each line matching `line`. Streams are not serialized. */
export const ndjsonResponse = <T extends z.ZodType>(description: string, line: T) =>
  ({ description, content: { 'application/x-ndjson': { schema: line } } }) as const;

/** Declared on every route so the spec documents the error shape; errors are sent by the error handler. */
export const problemResponses = {
  400: problemResponse('The request is malformed or invalid (VALIDATION_FAILED names each bad field)'),
  401: problemResponse('No valid API token'),
  403: problemResponse("The token's role does not allow this"),
  404: problemResponse('Not found'),
  409: problemResponse('Conflicts with the current state'),
  422: problemResponse('An Idempotency-Key reused for a different request'),
} as const;

/** Long-lived streams are capped per principal and in all; a refusal carries Retry-After. */
export const streamLimitResponse = {
  429: problemResponse(
    'Too many streams open (RATE_LIMITED): the message says how many and the limit; retry after Retry-After seconds',
  ),
} as const;

/** Retrying a mutation with the same Idempotency-Key returns the first result instead of doing it twice. */
export const IdempotencyHeaders = z.looseObject({ 'idempotency-key': IdempotencyKey.optional() });
