/**
 * A container's last `tail` lines, then its live ones, each once. Podman's k8s-file driver can
 * drop a line where one `logs --follow` switches from reading the file to following it
 * (containers/podman#17286, #18501; seen here as a line missing from a follower under load). So
 * the live stream is opened first, with no tail, and the tail is read once it streams: a line
 * written in between is in one of them, and the lines in both (written after the live stream
 * opened, before the tail was read) come first in the live stream and are sent once.
 *
 * Podman answers the live request before it follows the file, so a line written in that window
 * can be in neither the tail (read at once, for a quiet replica's history to show) nor the live
 * stream. Hence, unless the live stream had a line before the tail was read, the tail is read
 * again when its first line comes, and what it has between the first tail's end and that line
 * is sent before it.
 */
import type { ContainerEngine, ContainerLogLine } from '@berth/engine';

export async function* tailThenLive(
  engine: Pick<ContainerEngine, 'logs'>,
  containerId: string,
  tail: number,
  signal: AbortSignal,
  onOpen: () => void,
): AsyncGenerator<ContainerLogLine> {
  if (tail <= 0) {
    yield* engine.logs(containerId, { tail: 0, follow: true, signal, onOpen });
    return;
  }
  let opened: () => void = () => undefined;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const live = engine.logs(containerId, { tail: 0, follow: true, signal, onOpen: () => opened() });
  const lines = live[Symbol.asyncIterator]();
  // Asking for the first line sends the request; a request that fails settles this instead.
  const first = lines.next();
  let firstCame = false;
  // Awaited below, unless reading the tail fails first: never an unhandled rejection.
  first.then(
    () => (firstCame = true),
    () => undefined,
  );
  const readTail = async (): Promise<ContainerLogLine[]> => {
    const read: ContainerLogLine[] = [];
    for await (const l of engine.logs(containerId, { tail, follow: false, signal })) read.push(l);
    return read;
  };
  try {
    await Promise.race([open, first]);
    const liveHadALine = firstCame;
    const history = await readTail();
    onOpen();
    yield* history;
    let sent = history;
    if (!liveHadALine) {
      const next = await first;
      if (next.done) return;
      const gap = linesBetween(history, await readTail(), next.value);
      yield* gap;
      sent = [...history, ...gap];
    }
    yield* withoutOverlap(sent, first, lines);
  } finally {
    // Not awaited: a line may never come; the signal's abort (the follower gone) ends the request.
    lines.return?.().catch(() => undefined);
  }
}

const keyOf = (l: ContainerLogLine): string => `${l.at}\u0000${l.stream}\u0000${l.line}`;

/**
 * The lines of a later read of the tail (`again`) that come after the first read's last line and
 * before `next` (the live stream's first line): those written while the live stream was not yet
 * following. Matched by time, stream and text; none when either end is not found in `again`
 * (rather a line missed than one sent twice).
 */
export function linesBetween(
  before: readonly ContainerLogLine[],
  again: readonly ContainerLogLine[],
  next: ContainerLogLine,
): ContainerLogLine[] {
  const last = before.at(-1);
  const start = last === undefined ? 0 : again.map(keyOf).lastIndexOf(keyOf(last)) + 1;
  if (start === 0 && last !== undefined) return [];
  const end = again.findIndex((l, i) => i >= start && keyOf(l) === keyOf(next));
  return end < 0 ? [] : again.slice(start, end);
}

/**
 * The live lines after the tail: those at the start of the live stream that the tail already
 * had (same time, stream and text) are left out, up to the first one it did not have.
 */
export async function* withoutOverlap(
  history: readonly ContainerLogLine[],
  first: Promise<IteratorResult<ContainerLogLine>>,
  rest: AsyncIterator<ContainerLogLine>,
): AsyncGenerator<ContainerLogLine> {
  const seen = new Map<string, number>();
  for (const l of history) seen.set(keyOf(l), (seen.get(keyOf(l)) ?? 0) + 1);
  let overlapping = seen.size > 0;
  for (let next = first; ; next = rest.next()) {
    const result = await next;
    if (result.done) return;
    const line = result.value;
    if (overlapping) {
      const count = seen.get(keyOf(line)) ?? 0;
      if (count > 0) {
        seen.set(keyOf(line), count - 1);
        continue;
      }
      overlapping = false;
      seen.clear();
    }
    yield line;
  }
}
