/** One backend on 127.0.0.1 that answers its own name (`/slow?ms=N` after N ms), closable alone. */

import http from 'node:http';
import type net from 'node:net';
import type { Upstream } from '@berth/core';

export interface Backend {
  upstream: Upstream;
  /** Requests it is answering now. */
  busy(): number;
  close(): Promise<void>;
}

export async function startBackend(name: string): Promise<Backend> {
  let busy = 0;
  const srv = http.createServer((req, res) => {
    busy++;
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
    setTimeout(() => {
      res.end(name);
      busy--;
    }, ms);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    upstream: { name, host: '127.0.0.1', port },
    busy: () => busy,
    async close() {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    },
  };
}
