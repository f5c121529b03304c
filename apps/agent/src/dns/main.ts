import { startEdgeService } from '@berth/engine';

/**
 * The edge service, a process of its own: DNS for Caddy's upstreams, the responder (404,
 * redirects, HTTP-01) and the certificate endpoint, all answered from the tables the agent's
 * Caddy edge writes, so apps stay reachable and TLS keeps working while the agent restarts.
 * Usage: BERTH_DNS_SOCKET=… BERTH_DNS_TABLE=…/upstreams.json BERTH_EDGE_CERTIFICATES=…/certificates.json
 *        BERTH_EDGE_RESPONDER_PORT=N BERTH_EDGE_CERTIFICATE_PORT=N BERTH_EDGE_CERTIFICATE_SECRET=S node dns/main.js
 */
async function main(): Promise<void> {
  const need = (key: string): string => {
    const v = process.env[key];
    if (!v) throw new Error(`${key} is required`);
    return v;
  };
  const port = (key: string): number => {
    const n = Number(need(key));
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${key} must be a port`);
    return n;
  };
  const service = await startEdgeService({
    dnsSocket: need('BERTH_DNS_SOCKET'),
    tablePath: need('BERTH_DNS_TABLE'),
    responderPort: port('BERTH_EDGE_RESPONDER_PORT'),
    certificates: {
      tablePath: need('BERTH_EDGE_CERTIFICATES'),
      port: port('BERTH_EDGE_CERTIFICATE_PORT'),
      secret: need('BERTH_EDGE_CERTIFICATE_SECRET'),
    },
    onError: (e) => process.stderr.write(`berth-dns: ${e.message}\n`),
  });
  const stop = (): void => {
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`berth-dns: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
