import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portWarnings } from './port-warnings.js';

test('PORT in the env that is not the port is a warning with both fixes', () => {
  const [w, ...more] = portWarnings('web', { port: 8080, env: { PORT: '5000' } });
  assert.equal(more.length, 0);
  assert.match(w ?? '', /PORT=5000 in the env contradicts the app's port 8080/);
  assert.match(w ?? '', /berth env unset web PORT, or berth apps update web --port 5000/);
});

test('no PORT, or the same one, is no warning', () => {
  assert.deepEqual(portWarnings('web', { port: 8080, env: {} }), []);
  assert.deepEqual(portWarnings('web', { port: 8080, env: { PORT: '8080' } }), []);
  assert.deepEqual(portWarnings('web', { port: 8080, env: { OTHER: '1' } }), []);
});

test('a PORT that is no port number is still a warning, with the fix that works', () => {
  const [w] = portWarnings('web', { port: 8080, env: { PORT: 'http' } });
  assert.match(w ?? '', /berth env unset web PORT$/);
});
