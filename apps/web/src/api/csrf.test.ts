import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CSRF_HEADER,
  CSRF_STORAGE_KEY,
  createCsrfTokenStore,
  withCsrfHeader,
  type KeyValueStorage,
} from './csrf.js';

const request = (method: string): Request => new Request('http://berth.test/api/v1/apps', { method });

test('every change carries the token; reads do not', () => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    assert.equal(withCsrfHeader(request(method), 'tok').headers.get(CSRF_HEADER), 'tok', method);
  }
  for (const method of ['GET', 'HEAD', 'OPTIONS']) {
    assert.equal(withCsrfHeader(request(method), 'tok').headers.get(CSRF_HEADER), null, method);
  }
  assert.equal(withCsrfHeader(request('POST'), null).headers.get(CSRF_HEADER), null);
});

function memoryStorage(): KeyValueStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

test('the token survives a reload of the tab (sessionStorage) and goes at logout', () => {
  const storage = memoryStorage();
  const first = createCsrfTokenStore(storage);
  assert.equal(first.get(), null);
  first.set('tok');
  assert.equal(storage.items.get(CSRF_STORAGE_KEY), 'tok');
  const reloaded = createCsrfTokenStore(storage);
  assert.equal(reloaded.get(), 'tok');
  reloaded.set(null);
  assert.equal(reloaded.get(), null);
  assert.equal(storage.items.has(CSRF_STORAGE_KEY), false);
});

test('storage that refuses (blocked, full) leaves the token in memory', () => {
  const refusing: KeyValueStorage = {
    getItem: () => {
      throw new Error('SecurityError');
    },
    setItem: () => {
      throw new Error('QuotaExceededError');
    },
    removeItem: () => {
      throw new Error('SecurityError');
    },
  };
  const store = createCsrfTokenStore(refusing);
  store.set('tok');
  assert.equal(store.get(), 'tok');
  store.set(null);
  assert.equal(store.get(), null);
  const none = createCsrfTokenStore(null);
  none.set('tok');
  assert.equal(none.get(), 'tok');
});
