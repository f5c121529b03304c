/**
 * The edge service: everything beside Caddy that its static config asks, in one process of its
 * own (berth up's `dns` child) so apps stay reachable and TLS keeps working while the agent
 * restarts. It answers from the files the agent's Caddy edge writes:
 *   - DNS on a unix socket: which replicas serve a request's host (upstream-dns/);
 *   - HTTP on loopback: the 404, redirects and HTTP-01 tokens (responder.ts);
 *   - HTTP on loopback, behind a secret path: certificates at every handshake (edge-certificates/).
 */

import type { BerthError } from '@berth/protocol';
import { startCertificateEndpoint } from '../edge-certificates/endpoint.js';
import { createCertificateTableReader } from '../edge-certificates/table-file.js';
import { answerUpstreamQuery } from '../upstream-dns/answer.js';
import { startUpstreamDns } from '../upstream-dns/dns-server.js';
import { createUpstreamTableReader } from '../upstream-dns/table-file.js';
import { startEdgeResponder } from './responder.js';

export interface EdgeServiceOptions {
  dnsSocket: string;
  /** The routing table the Caddy edge writes (upstreams.json). */
  tablePath: string;
  /** The responder's loopback port; 0 picks one. */
  responderPort: number;
  certificates: { tablePath: string; port: number; secret: string };
  onError?: (e: BerthError) => void;
}

export interface EdgeService {
  responderPort: number;
  certificateUrl: string;
  askUrl: string;
  close(): Promise<void>;
}

export async function startEdgeService(options: EdgeServiceOptions): Promise<EdgeService> {
  const table = createUpstreamTableReader(options.tablePath, options.onError);
  const certificates = createCertificateTableReader(options.certificates.tablePath, options.onError);
  const responder = await startEdgeResponder({ table: () => table.current(), port: options.responderPort });
  const service = { host: '127.0.0.1', port: responder.port };
  const endpoint = await startCertificateEndpoint({
    table: () => certificates.current(),
    secret: options.certificates.secret,
    port: options.certificates.port,
  }).catch(async (e: unknown) => {
    await responder.close();
    throw e;
  });
  const dns = await startUpstreamDns({
    socketPath: options.dnsSocket,
    lookup: (name, type) => answerUpstreamQuery(table.current(), name, type, service),
  }).catch(async (e: unknown) => {
    await Promise.all([responder.close(), endpoint.close()]);
    throw e;
  });
  return {
    responderPort: responder.port,
    certificateUrl: endpoint.certificateUrl,
    askUrl: endpoint.askUrl,
    close: async () => {
      await Promise.all([dns.close(), responder.close(), endpoint.close()]);
    },
  };
}
