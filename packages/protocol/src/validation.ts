import type { z } from 'zod';
import { BerthError, type FieldIssue } from './errors.js';

/** Turns zod issues into field issues whose paths a person can read (`health.path`, `env.FOO`). */
export const toFieldIssues = (error: z.ZodError): FieldIssue[] =>
  error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(body)';
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { path, message: issue.message };
  });

/** Parses unknown input with a schema, or throws VALIDATION_FAILED naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = toFieldIssues(result.error);
  const first = issues[0];
  const summary = first ? `${first.path} ${first.message}` : 'is invalid';
  return failValidation(`Invalid ${what}: ${summary}`, issues);
}

function failValidation(message: string, issues: FieldIssue[]): never {
  throw new BerthError('VALIDATION_FAILED', message, { issues });
}
