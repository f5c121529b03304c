/**
 * A STAND-IN for Cloudflare's API v4: the real one cannot be reached from here (and must not be
 * asked from tests). It serves the few routes the provider calls, with Cloudflare's shapes —
 * `{ success, errors: [{ code, message }], result }`, TXT content read back in quotes, error
 * 81057 for a record that exists — and writes every record through to a real DNS server with
 * `nsupdate`, as Cloudflare's own API feeds its name servers, so what the provider waits for is
 * real DNS.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRecord {
  id: string;
  zoneId: string;
  name: string;
  content: string;
}

export interface CloudflareStandIn {
  /** `http://127.0.0.1:port/client/v4` */
  apiUrl: string;
  token: string;
  zones: ReadonlyMap<string, string>;
  records: ReadonlyMap<string, StandInRecord>;
  /** `METHOD path?query` of every request, in order. */
  requests: string[];
  /** Authorization headers as received. */
  authorizations: string[];
  close(): Promise<void>;
}

export interface StandInOptions {
  zones: readonly string[];
  /** Where records are written through: `nsupdate -k keyfile` to server:port. */
  dns: { keyfile: string; server: string; port: number };
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

function nsupdate(dns: StandInOptions['dns'], line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsupdate', ['-k', dns.keyfile], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nsupdate: ${code} ${stderr}`))));
    child.stdin.end(`server ${dns.server} ${dns.port}\n${line}\nsend\n`);
  });
}

export async function startCloudflareStandIn(options: StandInOptions): Promise<CloudflareStandIn> {
  const token = hex(20);
  const zones = new Map(options.zones.map((name) => [hex(16), name]));
  const records = new Map<string, StandInRecord>();
  const requests: string[] = [];
  const authorizations: string[] = [];

  const send = (res: http.ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const ok = (res: http.ServerResponse, result: unknown): void =>
    send(res, 200, { success: true, errors: [], messages: [], result });
  const fail = (res: http.ServerResponse, status: number, code: number, message: string): void =>
    send(res, status, { success: false, errors: [{ code, message }], messages: [], result: null });
  const shown = (r: StandInRecord): object => ({
    id: r.id,
    zone_id: r.zoneId,
    type: 'TXT',
    name: r.name,
    content: `"${r.content}"`,
    ttl: 60,
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    requests.push(`${req.method ?? ''} ${url.pathname}${url.search}`);
    authorizations.push(req.headers.authorization ?? '');
    if (req.headers.authorization !== `Bearer ${token}`) return fail(res, 403, 10000, 'Authentication error');
    const path = url.pathname.replace(/^\/client\/v4/, '');
    if (req.method === 'GET' && path === '/zones') {
      const name = url.searchParams.get('name');
      return ok(
        res,
        [...zones].filter(([, n]) => n === name).map(([id, n]) => ({ id, name: n, status: 'active' })),
      );
    }
    const m = /^\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(path);
    const zoneId = m?.[1] ?? '';
    if (!m || !zones.has(zoneId))
      return fail(
        res,
        404,
        7003,
        'Could not route to ' + path + ', perhaps your object identifier is invalid?',
      );
    if (req.method === 'GET' && !m[2]) {
      const wanted = [...records.values()].filter(
        (r) => r.zoneId === zoneId && r.name === url.searchParams.get('name'),
      );
      return ok(res, wanted.map(shown));
    }
    if (req.method === 'POST' && !m[2]) {
      const input = JSON.parse(body) as { type?: string; name?: string; content?: string; ttl?: number };
      if (input.type !== 'TXT' || !input.name || !input.content)
        return fail(res, 400, 9005, 'Content for TXT record is invalid.');
      if ([...records.values()].some((r) => r.name === input.name && r.content === input.content))
        return fail(res, 400, 81057, 'Record already exists.');
      const record = { id: hex(16), zoneId, name: input.name, content: input.content };
      await nsupdate(options.dns, `update add ${record.name} 60 TXT "${record.content}"`);
      records.set(record.id, record);
      return ok(res, shown(record));
    }
    if (req.method === 'DELETE' && m[2]) {
      const record = records.get(m[2]);
      if (!record) return fail(res, 404, 81044, 'Record does not exist.');
      await nsupdate(options.dns, `update delete ${record.name} TXT "${record.content}"`);
      records.delete(record.id);
      return ok(res, { id: record.id });
    }
    return fail(res, 405, 10405, 'Method not allowed');
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      handle(req, res, body).catch((e: unknown) => fail(res, 500, 10001, String(e)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/client/v4`,
    token,
    zones,
    records,
    requests,
    authorizations,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
