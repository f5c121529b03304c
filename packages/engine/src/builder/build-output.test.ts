import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBuildOutputParser } from './build-output.js';

const events = (...objects: unknown[]): string => objects.map((o) => `${JSON.stringify(o)}\n`).join('');

test('stream pieces become lines, across JSON events and chunk boundaries; aux gives the id', () => {
  const lines: string[] = [];
  const parser = createBuildOutputParser((l) => lines.push(l));
  const text = events(
    { stream: 'STEP 1/2: FROM localhost/hello:1\n' },
    { stream: 'STEP 2/2: RUN echo a\n' },
    { stream: 'half of ' },
    { stream: 'a line\nand two\nlines\n' },
    { aux: { ID: 'sha256:abc' } },
    { stream: 'Successfully built abc\n' },
  );
  // Chunks that split JSON objects anywhere.
  for (let i = 0; i < text.length; i += 7) parser.push(text.slice(i, i + 7));
  const outcome = parser.end();
  assert.deepEqual(lines, [
    'STEP 1/2: FROM localhost/hello:1',
    'STEP 2/2: RUN echo a',
    'half of a line',
    'and two',
    'lines',
    'Successfully built abc',
  ]);
  assert.equal(outcome.imageId, 'sha256:abc');
  assert.equal(outcome.error, null);
  assert.equal(outcome.step, 'STEP 2/2: RUN echo a');
});

test('an error ends with the step it happened in and the last 30 lines', () => {
  const lines: string[] = [];
  const parser = createBuildOutputParser((l) => lines.push(l));
  parser.push(events({ stream: 'Step 3/5 : RUN make\n' }));
  for (let i = 0; i < 40; i++) parser.push(events({ stream: `out ${i}\n` }));
  parser.push(events({ stream: 'no newline at the end' }));
  parser.push(
    events(
      { errorDetail: { message: 'exit status 2\n' }, error: 'exit status 2\n' },
      { stream: 'ignored?\n' },
    ),
  );
  const outcome = parser.end();
  assert.equal(outcome.error, 'exit status 2');
  assert.equal(outcome.step, 'Step 3/5 : RUN make');
  assert.equal(outcome.lastLines.length, 30);
  assert.deepEqual(outcome.lastLines.slice(-3), ['no newline at the end', 'exit status 2', 'ignored?']);
  assert.equal(outcome.imageId, null);
});

test('a multi-stage step names its stage', () => {
  const parser = createBuildOutputParser(() => undefined);
  parser.push(events({ stream: '[2/2] STEP 3/3: RUN false\n' }, { error: 'exit status 1' }));
  assert.equal(parser.end().step, '[2/2] STEP 3/3: RUN false');
});

test('lines that are not JSON are shown as they are', () => {
  const lines: string[] = [];
  const parser = createBuildOutputParser((l) => lines.push(l));
  parser.push('not json\n{"stream":"ok\\n"}\r\n{"aux":{"ID":"f00"}}');
  const outcome = parser.end();
  assert.deepEqual(lines, ['not json', 'ok']);
  assert.equal(outcome.imageId, 'sha256:f00');
});
