import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListeningSockets } from './listen-sockets.js';

// Read from a busybox httpd in a Podman container (`-p 5000`) and a Node server on 127.0.0.1:8080.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1724750 1 0000000000000000 100 0 0 10 0
   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1724751 1 0000000000000000 100 0 0 10 0
   2: 0258580A:1F90 0158580A:D2F6 01 00000000:00000000 00:00000000 00000000     0        0 1724752 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1388 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1724756 1 00000000a4284f29 100 0 0 10 0
   1: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1724757 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:0BB9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1724758 1 0000000000000000 100 0 0 10 0
   3: 00000000000000000000000000000000:1389 00000000000000000000000000000000:0000 01 00000000:00000000 00:00000000 00000000     0        0 1724759 1 0000000000000000 100 0 0 10 0
`;

test('IPv4 listening sockets: address bytes in host order, port in hex; other states are skipped', () => {
  assert.deepEqual(parseListeningSockets(TCP, 4), [
    { address: '127.0.0.1', port: 8080 },
    { address: '0.0.0.0', port: 80 },
  ]);
});

test('IPv6 listening sockets: the wildcard, loopback and v4-mapped addresses', () => {
  assert.deepEqual(parseListeningSockets(TCP6, 6), [
    { address: '::', port: 5000 },
    { address: '::1', port: 3000 },
    { address: '127.0.0.1', port: 3001 },
  ]);
});

test('an empty table, a header alone or garbage give no sockets', () => {
  assert.deepEqual(parseListeningSockets('', 4), []);
  assert.deepEqual(parseListeningSockets(TCP.split('\n')[0] ?? '', 4), []);
  assert.deepEqual(parseListeningSockets('x\n 0: zz:yy 0:0 0A', 4), []);
  assert.deepEqual(parseListeningSockets('x\n 0: 0100007F:1F90 0:0 0A', 6), [], 'a v4 row read as v6');
});
