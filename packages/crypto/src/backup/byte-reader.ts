/**
 * Exact-length reads from a stream of byte pieces of any size, with look-ahead: a chunk of a
 * backup is the last one exactly when nothing follows it, which is known only after trying to
 * read one byte more.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pieces: Buffer[] = [];
  private buffered = 0;
  private ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Reads until at least `n` bytes are buffered or the source ended; how many are buffered. */
  async fill(n: number): Promise<number> {
    while (this.buffered < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done === true) {
        this.ended = true;
      } else if (next.value.length > 0) {
        const piece = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length);
        this.pieces.push(piece);
        this.buffered += piece.length;
      }
    }
    return this.buffered;
  }

  /** The next `n` buffered bytes (n ≤ what fill() reported). */
  take(n: number): Buffer {
    if (n > this.buffered) throw new RangeError(`take(${n}) with ${this.buffered} bytes buffered`);
    const all = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.buffered);
    if (all === undefined) return Buffer.alloc(0);
    // Copied out, so the caller owns bytes that no later piece of the source can change.
    const out = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.pieces = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Lets the source stop early (a Readable is destroyed), when the reader gives up before its end. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }
}
