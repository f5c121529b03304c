import type { LogLine } from '@berth/protocol';
import type { Store } from '@berth/store';

/**
 * Build log lines arrive one chunk at a time; they are written in batches (a transaction per
 * line would make a chatty `npm install` slow down the database) at most FLUSH_MS apart, so a
 * reader following the log sees them nearly live.
 */
const FLUSH_MS = 200;
const KEEP_TAIL = 40;

export interface BuildLogWriter {
  push(lines: readonly LogLine[]): void;
  flush(): Promise<void>;
  /** The last lines seen, for a failure's message. */
  tail(): string[];
}

export function createBuildLogWriter(store: Store, buildId: string, clock: () => number): BuildLogWriter {
  let pending: { at: number; line: string }[] = [];
  let recent: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<unknown> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = pending;
    pending = [];
    // A log batch that cannot be written must not fail the build: its outcome is recorded apart.
    writing = writing.then(() => (batch.length ? store.builds.appendLogs(buildId, batch) : 0)).catch(() => 0);
    return writing.then(() => undefined);
  };

  return {
    push(lines) {
      for (const l of lines) {
        pending.push({ at: Date.parse(l.at) || clock(), line: l.line });
        recent.push(l.line);
      }
      if (recent.length > KEEP_TAIL * 2) recent = recent.slice(-KEEP_TAIL);
      timer ??= setTimeout(() => void flush(), FLUSH_MS);
    },
    flush,
    tail: () => recent.slice(-KEEP_TAIL),
  };
}
