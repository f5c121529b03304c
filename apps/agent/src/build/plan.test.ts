import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseImagesOf } from './plan.js';

test('the images a Dockerfile starts from, without its own stages or scratch', () => {
  const dockerfile = [
    'FROM localhost/berth/base-node:bookworm AS build',
    'RUN npm run build',
    'from --platform=linux/amd64 localhost/berth/base-static:bookworm',
    'COPY --from=build /out /srv/www',
    'FROM build AS again',
    'FROM scratch',
  ].join('\n');
  assert.deepEqual(baseImagesOf(dockerfile), [
    'localhost/berth/base-node:bookworm',
    'localhost/berth/base-static:bookworm',
  ]);
});
