/**
 * Turns the bytes of GET /containers/{id}/logs?timestamps=1 into log lines. For containers
 * without a TTY (Berth never allocates one) the engine multiplexes stdout and stderr into frames
 * with an 8-byte header: [stream, 0, 0, 0, size as uint32 big-endian]. A line can span frames
 * and a frame can hold many lines, so each stream keeps its own unfinished line.
 */
import type { ContainerLogLine } from './types.js';

type LogStream = ContainerLogLine['stream'];

const HEADER_BYTES = 8;
/** A line longer than this is cut, so a program printing without newlines cannot exhaust memory. */
const MAX_LINE_BYTES = 1024 * 1024;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) ?/;

/** Splits `2026-11-23T15:08:16.134Z text` into the engine's timestamp and the line itself. */
export function parseLogLine(stream: LogStream, text: string): ContainerLogLine {
  const m = TIMESTAMP.exec(text);
  if (!m?.[1]) return { stream, at: '', line: text };
  return { stream, at: m[1], line: text.slice(m[0].length) };
}

class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly stream: LogStream) {}

  push(data: Buffer): ContainerLogLine[] {
    const lines: ContainerLogLine[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl === -1) break;
      this.pending.push(data.subarray(start, nl));
      lines.push(this.take());
      start = nl + 1;
    }
    if (start < data.length) {
      const rest = data.subarray(start);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes >= MAX_LINE_BYTES) lines.push(this.take());
    }
    return lines;
  }

  flush(): ContainerLogLine[] {
    return this.pendingBytes > 0 || this.pending.some((b) => b.length > 0) ? [this.take()] : [];
  }

  private take(): ContainerLogLine {
    const text = Buffer.concat(this.pending).toString('utf8').replace(/\r$/, '');
    this.pending = [];
    this.pendingBytes = 0;
    return parseLogLine(this.stream, text);
  }
}

/** A frame header as the engine writes it; anything else means the stream is raw (a TTY). */
function isFrameHeader(buf: Buffer): boolean {
  const kind = buf[0] ?? 255;
  return kind <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0;
}

export async function* toLogLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<ContainerLogLine> {
  const out = new LineSplitter('stdout');
  const err = new LineSplitter('stderr');
  let buf: Buffer = Buffer.alloc(0);
  let raw: boolean | null = null;

  for await (const chunk of chunks) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (raw === null && buf.length >= HEADER_BYTES) raw = !isFrameHeader(buf);
    if (raw === true) {
      yield* out.push(buf);
      buf = Buffer.alloc(0);
      continue;
    }
    while (buf.length >= HEADER_BYTES) {
      const size = buf.readUInt32BE(4);
      if (buf.length < HEADER_BYTES + size) break;
      const payload = buf.subarray(HEADER_BYTES, HEADER_BYTES + size);
      // stdin (0) never carries output; treat it as stdout rather than drop bytes.
      yield* (buf[0] === 2 ? err : out).push(payload);
      buf = buf.subarray(HEADER_BYTES + size);
    }
  }
  // A stream shorter than one header is raw text (or nothing).
  if (raw !== false && buf.length > 0) yield* out.push(buf);
  yield* out.flush();
  yield* err.flush();
}
