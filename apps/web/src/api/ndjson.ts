/**
 * Reading an `application/x-ndjson` answer (berthd's long-lived streams): one JSON value a line,
 * each handed to a check that turns it into a typed line or throws. Nothing is trusted by shape.
 */

/** A line that is not JSON, or not what the stream may send: the stream is not read further. */
export class NdjsonError extends Error {
  constructor(
    /** 1 for the first line of the answer. */
    readonly line: number,
    reason: string,
  ) {
    super(`Line ${line} of the stream is invalid: ${reason}`);
    this.name = 'NdjsonError';
  }
}

/** Checks one parsed line: its typed form, or a throw saying what is wrong (see NdjsonError). */
export type LineCheck<T> = (value: unknown) => T;

/** The longest line taken (a line without its newline stops growing here): 1 MiB of text. */
export const MAX_LINE_CHARS = 1 << 20;

/**
 * The lines of `response.body`, in order, as they arrive: a line may span chunks, blank lines
 * are skipped, a last line without its newline still counts. Aborting `signal` cancels the body
 * and the iteration rejects with the signal's reason (as fetch does); so does leaving the loop
 * early, without an error. A body that ends simply ends the iteration: whether the stream said
 * all it had to is for the caller to tell from the lines.
 */
export async function* readNdjson<T>(
  response: Response,
  check: LineCheck<T>,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  if (response.body === null) return;
  signal?.throwIfAborted();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const cancel = (): void => void reader.cancel(signal?.reason).catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  let finished = false;
  let count = 0;
  let rest = '';

  const parse = (text: string): { value: T } | null => {
    count += 1;
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new NdjsonError(count, 'not JSON');
    }
    try {
      return { value: check(value) };
    } catch (err) {
      throw new NdjsonError(count, err instanceof Error ? err.message : 'unexpected value');
    }
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      // A cancel on abort ends the body like a normal end: the abort is what happened.
      signal?.throwIfAborted();
      if (done) break;
      const lines = (rest + decoder.decode(value, { stream: true })).split('\n');
      rest = lines.pop() ?? '';
      if (rest.length > MAX_LINE_CHARS) throw new NdjsonError(count + 1, 'too long');
      for (const text of lines) {
        const parsed = parse(text);
        if (parsed) yield parsed.value;
        signal?.throwIfAborted();
      }
    }
    finished = true;
    const parsed = parse(rest + decoder.decode());
    if (parsed) yield parsed.value;
  } finally {
    signal?.removeEventListener('abort', cancel);
    // Stopped before the end (an error, an abort, a caller that left): the connection goes.
    if (!finished) void reader.cancel().catch(() => undefined);
  }
}
