/**
 * A private Caddy running the static TLS edge of tls-config.ts, with everything around it on
 * loopback: the agent stand-in (certificates, ask, HTTP-01), an ACME sink that records anyone
 * who tries ACME, the upstream DNS service answering from an in-memory table, and backends.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Upstream } from '@berth/core';
import { startTestCaddy, type TestCaddy } from '../../../../../../test/support/caddy.js';
import {
  ASK_PATH,
  CERTIFICATE_PATH,
  createTestPki,
  startCertificateAgent,
  startRecordingServer,
  type CertificateAgent,
  type RecordingServer,
  type TestPki,
} from '../../../../../../test/support/tls-edge.js';
import { answerUpstreamQuery, type UpstreamTable } from '../../upstream-dns/answer.js';
import { startUpstreamDns, type UpstreamDnsServer } from '../../upstream-dns/dns-server.js';
import { toHostSetName } from '../../upstream-dns/zone.js';
import { createCaddyAdmin, type CaddyAdmin } from '../admin-client.js';
import type { CaddyJson } from '../config.js';
import { renderStaticEdgeConfig, type EdgeTlsSettings } from '../tls-config.js';
import { createBackends, freePort } from './backends.js';

export interface TlsEdge {
  caddy: TestCaddy;
  admin: CaddyAdmin;
  pki: TestPki;
  agent: CertificateAgent;
  acmeSink: RecordingServer;
  settings: EdgeTlsSettings;
  httpPort: number;
  httpsPort: number;
  /** The config loaded at start; tests compare against it to prove it never changed. */
  config: CaddyJson;
  /** Upstreams for `hostname` from now on (an empty list removes the host). */
  route(hostname: string, ...upstreams: Upstream[]): void;
  /** The same for an SRV set by its full name. */
  routeSet(setName: string, ...upstreams: Upstream[]): void;
  /** SRV lookups the DNS service answered, per queried name. */
  srvLookups(name: string): number;
  /** A backend on 127.0.0.1 that answers its own name. */
  backend(name: string): Promise<Upstream>;
  stop(): Promise<void>;
}

export interface TlsEdgeOptions {
  upstreamRefreshMs?: number;
  /** Applied to the rendered config before the load: how a test proves it can fail. */
  alter?: (config: CaddyJson) => void;
  /** Caddy asks these instead of the stand-in's (e.g. the real certificate endpoint). */
  certificates?: { certificateUrl: string; askUrl: string };
}

export async function startTlsEdge(options: TlsEdgeOptions = {}): Promise<TlsEdge> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-caddy-tls-'));
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const pki = await createTestPki();
  const agent = await startCertificateAgent();
  // Anything that reaches it tried ACME: it answers like a broken CA, so nothing gets further.
  const acmeSink = await startRecordingServer((_req, res) => res.writeHead(503).end());
  const backends = createBackends();
  const table: UpstreamTable = { sets: {} };
  const lookups = new Map<string, number>();
  const caddy = await startTestCaddy(dir, { httpPort });
  const dns: UpstreamDnsServer = await startUpstreamDns({
    socketPath: caddy.settings.dnsSocket,
    lookup: (name, type) => {
      const key = name.toLowerCase().replace(/\.$/, '');
      if (type === 'SRV') lookups.set(key, (lookups.get(key) ?? 0) + 1);
      return answerUpstreamQuery(table, name, type);
    },
  });
  const settings: EdgeTlsSettings = {
    httpListen: `127.0.0.1:${httpPort}`,
    httpsListen: `127.0.0.1:${httpsPort}`,
    httpsPublicPort: httpsPort,
    certificateUrl: options.certificates?.certificateUrl ?? agent.url(CERTIFICATE_PATH),
    askUrl: options.certificates?.askUrl ?? agent.url(ASK_PATH),
    acmeSinkUrl: acmeSink.url('/directory'),
    challengeDial: `127.0.0.1:${agent.port}`,
    dnsSocket: caddy.settings.dnsSocket,
    upstreamRefreshMs: options.upstreamRefreshMs ?? 100,
  };
  const config = renderStaticEdgeConfig(caddy.adminSocket, settings);
  options.alter?.(config);
  const admin = createCaddyAdmin(caddy.adminSocket);
  await admin.load(config);
  let replicas = 0;
  const routeSet = (set: string, ...upstreams: Upstream[]): void => {
    if (upstreams.length === 0) delete table.sets[set];
    else table.sets[set] = upstreams;
  };
  return {
    caddy,
    admin,
    pki,
    agent,
    acmeSink,
    settings,
    httpPort,
    httpsPort,
    config,
    routeSet,
    route: (hostname, ...upstreams) => routeSet(toHostSetName(hostname), ...upstreams),
    srvLookups: (name) => lookups.get(name) ?? 0,
    async backend(name) {
      replicas++;
      return { name: `berth-tls-r${replicas}`, host: '127.0.0.1', port: await backends.start(name) };
    },
    async stop() {
      await caddy.stop();
      await dns.close();
      await agent.close();
      await acmeSink.close();
      await backends.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
