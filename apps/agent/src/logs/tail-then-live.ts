/**
 * A container's last `tail` lines, then its live ones, each once, without waiting for the
 * container to write: a quiet replica's history is there at once.
 *
 * Podman answers a live `logs --follow` only when the container writes its next line (for a
 * replica that logs only its health checks, up to half a minute), and its k8s-file driver can
 * drop a line where it switches from reading the file to following it (containers/podman#17286,
 * #18501). So the live stream is asked for, the tail is read at once and sent, and when the live
 * stream's first line comes the tail is read again: what it has between the first read's end and
 * that line (written while the live stream was not yet following) is sent before it. Lines in
 * both the tail and the live stream (written after Podman began following, before the tail was
 * read) come first in the live stream and are sent once.
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
  const lines = engine.logs(containerId, { tail: 0, follow: true, signal })[Symbol.asyncIterator]();
  // Asking for the first line sends the request; awaited below, unless reading the tail fails
  // first: never an unhandled rejection.
  const first = lines.next();
  first.catch(() => undefined);
  const readTail = async (): Promise<ContainerLogLine[]> => {
    const read: ContainerLogLine[] = [];
    for await (const l of engine.logs(containerId, { tail, follow: false, signal })) read.push(l);
    return read;
  };
  try {
    const history = await readTail();
    onOpen();
    yield* history;
    const next = await first;
    if (next.done) return;
    const gap = linesBetween(history, await readTail(), next.value);
    yield* gap;
    yield* withoutOverlap([...history, ...gap], first, lines);
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
