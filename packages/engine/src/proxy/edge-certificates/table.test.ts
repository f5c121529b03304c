import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  certificateFor,
  normalizeServerName,
  parseCertificateTable,
  type CertificateTable,
} from './table.js';

const PEM = (what: string): string => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
const cert = (...names: string[]) => ({ names, chainPem: PEM('CERTIFICATE'), keyPem: PEM('PRIVATE KEY') });
const table: CertificateTable = {
  certificates: [cert('example.com', 'www.example.com'), cert('*.apps.example.com')],
};

test('a server name gets the certificate naming it, else a wildcard one label up', () => {
  assert.equal(certificateFor(table, 'example.com'), table.certificates[0]);
  assert.equal(certificateFor(table, 'WWW.Example.COM.'), table.certificates[0], 'case and a final dot');
  assert.equal(certificateFor(table, 'web.apps.example.com'), table.certificates[1]);
  assert.equal(certificateFor(table, 'a.web.apps.example.com'), null, 'a wildcard covers one label only');
  assert.equal(certificateFor(table, 'apps.example.com'), null);
  assert.equal(certificateFor(table, 'other.test'), null);
});

test('what is not a domain name matches nothing', () => {
  for (const bad of [
    '',
    '*.apps.example.com',
    'a b.example.com',
    'example.com/../x',
    'é.example.com',
    'x'.repeat(300),
  ])
    assert.equal(normalizeServerName(bad), null, bad);
  assert.equal(certificateFor(table, '*.apps.example.com'), null);
});

test('a table that is not one is refused with the path of the first bad value', () => {
  assert.deepEqual(parseCertificateTable({ certificates: [] }), { certificates: [] });
  assert.throws(() => parseCertificateTable({}), /certificates is not a list/);
  assert.throws(
    () => parseCertificateTable({ certificates: [{ ...cert('Example.com') }] }),
    /certificates\[0\]\.names has "Example.com"/,
  );
  assert.throws(
    () => parseCertificateTable({ certificates: [{ ...cert('a.com'), keyPem: 'not pem' }] }),
    /certificates\[0\]\.keyPem is not PEM/,
  );
});
