/**
 * A private Caddy running the edge's config (edge-config.ts) with HTTPS, and everything around it
 * on loopback: a certificate stand-in (certificates and ask, so tests can count and fail its
 * answers), the real responder (404, redirects, HTTP-01) and DNS answering from an in-memory
 * table, an ACME sink that records anyone who tries ACME, and backends.
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
import { toUpstreamSetName } from '../../upstream-dns/zone.js';
import { startEdgeResponder, type EdgeResponder } from '../../edge-service/responder.js';
import { createCaddyAdmin, type CaddyAdmin } from '../admin-client.js';
import type { CaddyJson } from '../config.js';
import { renderEdgeConfig, type EdgeSettings } from '../edge-config.js';
import { createBackends, freePort } from './backends.js';

export interface TlsEdge {
  caddy: TestCaddy;
  admin: CaddyAdmin;
  pki: TestPki;
  agent: CertificateAgent;
  acmeSink: RecordingServer;
  settings: EdgeSettings;
  responder: EdgeResponder;
  /** What the DNS and the responder answer from; tests may change it at any time. */
  table: UpstreamTable;
  httpPort: number;
  httpsPort: number;
  /** The config loaded at start; tests compare against it to prove it never changed. */
  config: CaddyJson;
  /**
   * `hostname` is served by these upstreams from now on, over HTTPS unless it is a `.localhost`
   * name (plain HTTP then redirects); with none, the host is known but has no replicas.
   */
  route(hostname: string, ...upstreams: Upstream[]): void;
  /** `<app>.internal` served to clients in `from` (a CIDR) by these upstreams. */
  routeInternal(app: string, from: string, ...upstreams: Upstream[]): void;
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
  /** HSTS on every HTTPS response (`--hsts-max-age`). */
  hstsMaxAge?: number;
}

export async function startTlsEdge(options: TlsEdgeOptions = {}): Promise<TlsEdge> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-caddy-tls-'));
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const pki = await createTestPki();
  const agent = await startCertificateAgent();
  // Anything that reaches it tried ACME: it answers like a broken CA, so nothing gets further.
  const acmeSink = await startRecordingServer((_req, res) => res.writeHead(503).end());
  const backends = createBackends();
  const table: UpstreamTable = { sets: {}, hosts: {}, internal: {}, challenges: {}, httpsPort };
  const lookups = new Map<string, number>();
  const caddy = await startTestCaddy(dir, { httpPort });
  const responder = await startEdgeResponder({ table: () => table });
  const service = { host: '127.0.0.1', port: responder.port };
  const dns: UpstreamDnsServer = await startUpstreamDns({
    socketPath: caddy.settings.dnsSocket,
    lookup: (name, type) => {
      const key = name.toLowerCase().replace(/\.$/, '');
      if (type === 'SRV') lookups.set(key, (lookups.get(key) ?? 0) + 1);
      return answerUpstreamQuery(table, name, type, service);
    },
  });
  const settings: EdgeSettings = {
    httpListen: `127.0.0.1:${httpPort}`,
    dnsSocket: caddy.settings.dnsSocket,
    upstreamRefreshMs: options.upstreamRefreshMs ?? 100,
    responderDial: `127.0.0.1:${responder.port}`,
    https: {
      listen: `127.0.0.1:${httpsPort}`,
      certificateUrl: options.certificates?.certificateUrl ?? agent.url(CERTIFICATE_PATH),
      askUrl: options.certificates?.askUrl ?? agent.url(ASK_PATH),
      acmeSinkUrl: acmeSink.url('/directory'),
      ...(options.hstsMaxAge === undefined ? {} : { hstsMaxAge: options.hstsMaxAge }),
    },
  };
  const config = renderEdgeConfig(caddy.adminSocket, settings);
  options.alter?.(config);
  const admin = createCaddyAdmin(caddy.adminSocket);
  await admin.load(config);
  let replicas = 0;
  const setUpstreams = (app: string, upstreams: Upstream[]): void => {
    if (upstreams.length === 0) delete table.sets[toUpstreamSetName(app)];
    else table.sets[toUpstreamSetName(app)] = upstreams;
  };
  // One app per host: its name only has to be a label.
  const appOf = (hostname: string): string => `h-${hostname.replace(/[^a-z0-9]/gi, '-').toLowerCase()}`;
  return {
    caddy,
    admin,
    pki,
    agent,
    acmeSink,
    settings,
    responder,
    table,
    httpPort,
    httpsPort,
    config,
    route(hostname, ...upstreams) {
      const app = appOf(hostname);
      (table.hosts ??= {})[hostname.toLowerCase()] = { app, https: !/(^|\.)localhost$/.test(hostname) };
      setUpstreams(app, upstreams);
    },
    routeInternal(app, from, ...upstreams) {
      (table.internal ??= {})[`${app}.internal`] = { app, from };
      setUpstreams(app, upstreams);
    },
    srvLookups: (name) => lookups.get(name) ?? 0,
    async backend(name) {
      replicas++;
      return { name: `berth-tls-r${replicas}`, host: '127.0.0.1', port: await backends.start(name) };
    },
    async stop() {
      await caddy.stop();
      await dns.close();
      await agent.close();
      await responder.close();
      await acmeSink.close();
      await backends.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
