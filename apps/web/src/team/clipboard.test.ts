import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyText } from './clipboard.js';

test('a copy says whether it went to the clipboard', async () => {
  const written: string[] = [];
  const clipboard = {
    writeText: (text: string) => {
      written.push(text);
      return Promise.resolve();
    },
  };
  assert.equal(await copyText(clipboard, 'berth_abc'), 'copied');
  assert.deepEqual(written, ['berth_abc']);
  assert.equal(await copyText(undefined, 'berth_abc'), 'unavailable');
  const refusing = { writeText: () => Promise.reject(new Error('NotAllowedError: denied')) };
  assert.equal(await copyText(refusing, 'berth_abc'), 'failed');
});
