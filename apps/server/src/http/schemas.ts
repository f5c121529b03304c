import { IdempotencyKey } from '@berth/protocol';
import { z } from 'zod';

/** The problem+json body every error shares (RFC 9457 plus our code and request id). */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    requestId: z.string(),
    hint: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    logs: z.array(z.string()).optional(),
  })
  .describe('application/problem+json');

/** Declared on every route so the spec documents the error shape; errors are sent by the error handler. */
export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
} as const;

/** Retrying a mutation with the same Idempotency-Key returns the first result instead of doing it twice. */
export const IdempotencyHeaders = z.looseObject({ 'idempotency-key': IdempotencyKey.optional() });
