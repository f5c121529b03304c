/**
 * What the Caddy tests put behind and in front of the proxy: local backends that answer their
 * own name, a free port for Caddy's HTTP server, and a GET through it by Host header.
 */
import http from 'node:http';
import type net from 'node:net';
import { freePort } from '../../../../../../test/support/ports.js';
export { freePort };

export interface Reply {
  status: number;
  body: string;
}

/**
 * Backends on 127.0.0.1, each answering its own name; `/slow?ms=N` answers after N ms, `?sts=V`
 * with an HSTS header of its own (V), as an app may send.
 */
export function createBackends(): { start(name: string): Promise<number>; close(): Promise<void> } {
  const servers: http.Server[] = [];
  return {
    async start(name) {
      const srv = http.createServer((req, res) => {
        const query = new URL(req.url ?? '/', 'http://x').searchParams;
        const ms = Number(query.get('ms') ?? 0);
        const sts = query.get('sts');
        if (sts !== null) res.setHeader('Strict-Transport-Security', sts);
        setTimeout(() => res.end(name), ms);
      });
      servers.push(srv);
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      return (srv.address() as net.AddressInfo).port;
    },
    async close() {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/**
 * GET through the proxy's HTTP port for `host`; `close` asks the proxy to close the connection
 * after it. Without an `agent`, each GET has a connection of its own: Node's global agent keeps
 * connections alive, and one kept from before a Caddy reload is closed by the old config's
 * server, so the next GET on it would hang up (a client's race, not the proxy's answer).
 */
export function getThrough(
  port: number,
  path: string,
  host: string,
  agent?: http.Agent,
  close = false,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host };
    if (close) headers.connection = 'close';
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
