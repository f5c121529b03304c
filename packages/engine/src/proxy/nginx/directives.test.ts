import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '@berth/protocol';
import { block, d, entry, renderArg, renderDirectives, tpl } from './directives.js';

const refused = (f: () => unknown): void =>
  assert.throws(f, (e: unknown) => e instanceof BerthError && /cannot hold/.test(e.message));

test('plain words stay bare; anything nginx reads as syntax is quoted, with quotes, backslashes and newlines escaped', () => {
  assert.equal(renderArg('shop.test'), 'shop.test');
  assert.equal(renderArg('127.0.0.1:8080'), '127.0.0.1:8080');
  assert.equal(renderArg(''), '""');
  assert.equal(renderArg('a b'), '"a b"');
  assert.equal(renderArg('x; }'), '"x; }"');
  assert.equal(renderArg('{'), '"{"');
  assert.equal(renderArg('#c'), '"#c"');
  assert.equal(renderArg('say "hi"\\\n'), '"say \\"hi\\"\\\\\\n"');
  assert.equal(renderArg(404), '404');
});

test('a literal may not name a variable, nor carry control characters or non-ASCII', () => {
  for (const bad of ['$host', 'a$b', 'tab\there', 'nul\0', 'cr\r', 'ünicode', 'а.com'])
    refused(() => renderArg(bad));
  for (const bad of [-1, 1.5, Number.NaN]) refused(() => renderArg(bad));
});

test('templates may name variables, and nothing else that starts with $', () => {
  assert.equal(renderArg(tpl('$http_host')), '$http_host');
  assert.equal(renderArg(tpl('https://a.test$request_uri')), 'https://a.test$request_uri');
  assert.equal(renderArg(tpl('No app at $host\n')), '"No app at $host\\n"');
  for (const bad of ['${host}', 'a$', '$1', 'x\ty']) refused(() => renderArg(tpl(bad)));
});

test('directive names are words; entries (map keys) are two quoted arguments', () => {
  for (const name of ['server_name x; }', 'a b', '', 'X']) refused(() => renderDirectives([d(name, 'v')]));
  assert.equal(
    renderDirectives([block('map', [tpl('$uri'), tpl('$v')], [d('default', ''), entry('/a b', 'c')])]),
    'map $uri $v {\n  default "";\n  "/a b" c;\n}\n',
  );
});

test('a hostile value in any argument cannot close the block it stands in', () => {
  const text = renderDirectives([
    block('server', [], [d('server_name', 'x.test; } server { return 200 pwned;')]),
  ]);
  assert.equal(text, 'server {\n  server_name "x.test; } server { return 200 pwned;";\n}\n');
});
