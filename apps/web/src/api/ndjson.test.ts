import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LINE_CHARS, NdjsonError, readNdjson } from './ndjson.js';

/**
 * No berthd here: a Response over a ReadableStream that hands out the given chunks one read at a
 * time (then ends, or stays open as a follow does), recording whether the reader cancelled it.
 */
function streamed(chunks: readonly (string | Uint8Array)[], { end = true } = {}) {
  const encoder = new TextEncoder();
  const queue = [...chunks];
  const seen = { reads: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = queue.shift();
        if (next !== undefined) {
          seen.reads += 1;
          controller.enqueue(typeof next === 'string' ? encoder.encode(next) : next);
        } else if (end) {
          controller.close();
        }
        // Otherwise the stream stays open with nothing to read, like a follow between steps.
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  const response = new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
  return { response, seen };
}

const anything = (value: unknown): unknown => value;

async function all<T>(lines: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

test('lines split across chunks are put back together, in order', async () => {
  const { response } = streamed(['{"a":1}\n{"b"', ':[1,2', ']}\n', '{"c":"x"}\n{"d":', 'null}\n']);
  assert.deepEqual(await all(readNdjson(response, anything)), [
    { a: 1 },
    { b: [1, 2] },
    { c: 'x' },
    { d: null },
  ]);
});

test('a character split between chunks is decoded whole', async () => {
  const bytes = new TextEncoder().encode('{"message":"Zürich ✓"}\n');
  const cut = 12; // inside the two bytes of ü
  const { response } = streamed([bytes.slice(0, cut), bytes.slice(cut, cut + 9), bytes.slice(cut + 9)]);
  assert.deepEqual(await all(readNdjson(response, anything)), [{ message: 'Zürich ✓' }]);
});

test('a last line without its newline counts; blank lines and CRLF are fine', async () => {
  const { response } = streamed(['{"n":1}\r\n\n', '  \n{"n":2}\n{"n"', ':3}']);
  assert.deepEqual(await all(readNdjson(response, anything)), [{ n: 1 }, { n: 2 }, { n: 3 }]);
});

test('an empty body, or none, has no lines', async () => {
  assert.deepEqual(await all(readNdjson(streamed([]).response, anything)), []);
  assert.deepEqual(await all(readNdjson(new Response(null, { status: 200 }), anything)), []);
});

test('a line that is not JSON stops the reading with an error naming the line', async () => {
  const { response, seen } = streamed(['{"ok":1}\n', '<html>oops</html>\n{"ok":2}\n', '{"ok":3}\n'], {
    end: false,
  });
  const got: unknown[] = [];
  await assert.rejects(
    async () => {
      for await (const line of readNdjson(response, anything)) got.push(line);
    },
    (err: unknown) => err instanceof NdjsonError && err.line === 2 && /not JSON/.test(err.message),
  );
  assert.deepEqual(got, [{ ok: 1 }]);
  assert.equal(seen.cancelled, true, 'the rest of the answer is not read');
});

test('a line the check refuses is an error too, with what the check said', async () => {
  const check = (value: unknown): number => {
    if (typeof value !== 'number') throw new Error('not a number');
    return value;
  };
  const { response } = streamed(['1\n2\n"three"\n4\n']);
  await assert.rejects(all(readNdjson(response, check)), {
    name: 'NdjsonError',
    line: 3,
    message: 'Line 3 of the stream is invalid: not a number',
  });
});

test('a line that never ends is refused past the limit', async () => {
  const { response } = streamed(['{"x":"', 'y'.repeat(MAX_LINE_CHARS), 'y"}\n']);
  await assert.rejects(all(readNdjson(response, anything)), { name: 'NdjsonError', line: 1 });
});

test('an abort stops the reading: the body is cancelled and the loop rejects with the abort', async () => {
  const { response, seen } = streamed(['{"step":1}\n'], { end: false });
  const controller = new AbortController();
  const got: unknown[] = [];
  const reading = (async () => {
    for await (const line of readNdjson(response, anything, controller.signal)) {
      got.push(line);
      // The follow now waits for a step that will not come before the abort.
      setImmediate(() => controller.abort());
    }
  })();
  await assert.rejects(reading, { name: 'AbortError' });
  assert.deepEqual(got, [{ step: 1 }]);
  assert.equal(seen.cancelled, true);
});

test('an abort before reading reads nothing', async () => {
  const { response, seen } = streamed(['{"step":1}\n']);
  await assert.rejects(all(readNdjson(response, anything, AbortSignal.abort())), { name: 'AbortError' });
  assert.equal(seen.reads, 0);
});

test('leaving the loop early cancels the rest of the body', async () => {
  const { response, seen } = streamed(['{"n":1}\n{"n":2}\n'], { end: false });
  for await (const line of readNdjson(response, anything)) {
    assert.deepEqual(line, { n: 1 });
    break;
  }
  assert.equal(seen.cancelled, true);
});
