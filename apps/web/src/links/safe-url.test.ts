import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeHref } from './safe-url.js';

test('paths on this origin and http(s) URLs become links', () => {
  assert.equal(safeHref('/apps/web'), '/apps/web');
  assert.equal(safeHref('/?team=prod'), '/?team=prod');
  assert.equal(safeHref('https://web.example.com'), 'https://web.example.com/');
  assert.equal(safeHref('http://localhost:8080/path?q=1#top'), 'http://localhost:8080/path?q=1#top');
  assert.equal(safeHref('HTTPS://EXAMPLE.COM/A'), 'https://example.com/A');
});

test('script, data and other schemes are never links', () => {
  for (const url of [
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'mailto:a@example.com',
    'ftp://example.com/',
  ]) {
    assert.equal(safeHref(url), null, url);
  }
});

test('what a browser would read as another origin or another scheme is refused', () => {
  for (const url of [
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    'https://user:pass@example.com/',
    'https://berth.example@evil.example/',
  ]) {
    assert.equal(safeHref(url), null, JSON.stringify(url));
  }
});

test('relative paths, empty and malformed values are not links', () => {
  for (const url of [
    '',
    'apps/web',
    '../x',
    '?q=1',
    '#top',
    'http://',
    'https://exa mple.com',
    'x'.repeat(3000),
  ]) {
    assert.equal(safeHref(url), null, JSON.stringify(url.slice(0, 40)));
  }
});
