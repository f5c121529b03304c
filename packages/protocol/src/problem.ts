import { z } from 'zod';
import type { ErrorCode } from './errors.js';

/**
 * RFC 9457 problem details, as every HTTP error of the API is shaped (plus our stable code, the
 * request id and the next thing to try). berthd documents its routes with it; the client reads
 * errors with it. On the wire the code is any string, so a client meets codes newer than itself.
 */
export const Problem = z
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
/** What berthd sends: a code it knows. */
export type Problem = Omit<z.infer<typeof Problem>, 'code'> & { code: ErrorCode };
