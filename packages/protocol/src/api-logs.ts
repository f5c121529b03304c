import { z } from 'zod';
import { Timestamp } from './timestamp.js';

/** The most lines of history a log request reads per replica (`tail`). */
export const LOG_TAIL_MAX = 10_000;

/**
 * `since`: a duration back from now (`90s`, `10m`, `2h`, `7d`) or an RFC 3339 time. Whether the
 * time exists and what `now` is are berthd's to decide (core's parseLogSince).
 */
export const LOG_SINCE_PATTERN =
  /^(?:\d{1,9}(?:ms|s|m|h|d)|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))$/;
export const LogSince = z.string().regex(LOG_SINCE_PATTERN, {
  message: 'must be a duration like 90s, 10m, 2h or 7d, or an RFC 3339 time like 2026-12-01T10:00:00Z',
});

/** `grep`: an RE2 pattern (linear-time matching); its size is checked by core's parseLogGrep. */
export const LOG_GREP_MAX_LENGTH = 200;
export const LogGrep = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(LOG_GREP_MAX_LENGTH, { message: `must be at most ${LOG_GREP_MAX_LENGTH} characters` });

export const LogsQuery = z
  .object({
    follow: z.enum(['true', 'false', '1', '0']).optional(),
    tail: z.coerce.number().int().min(0).max(LOG_TAIL_MAX).optional(),
    /** `false`: leave out the lines recognised as Berth's health probes (docs: README, logs). */
    health: z.enum(['true', 'false', '1', '0']).optional(),
    since: LogSince.optional().describe(
      'Only lines from then on: a duration back from now (90s, 10m, 2h, 7d) or an RFC 3339 time',
    ),
    grep: LogGrep.optional().describe(
      'Only lines that match this RE2 pattern (linear-time matching; no backreferences or lookaround; bounded complexity). With since or grep, tail defaults to 10000',
    ),
  })
  .strict();

export const LogLine = z.object({
  at: Timestamp,
  replica: z.string(),
  /** `berth`: a line from Berth about the stream itself (a server that cannot be read), not app output. */
  stream: z.enum(['stdout', 'stderr', 'berth']),
  line: z.string(),
});
export type LogLine = z.infer<typeof LogLine>;
