import { startUpstreamDnsService } from '@berth/engine';

/**
 * The upstream DNS service, a process of its own: it answers the proxy from the table file the
 * agent's Caddy edge writes, so apps stay reachable while the agent restarts.
 * Usage: BERTH_DNS_SOCKET=/path/dns.sock BERTH_DNS_TABLE=/path/upstreams.json node dns/main.js
 */
async function main(): Promise<void> {
  const socketPath = process.env.BERTH_DNS_SOCKET;
  const tablePath = process.env.BERTH_DNS_TABLE;
  if (!socketPath || !tablePath) throw new Error('BERTH_DNS_SOCKET and BERTH_DNS_TABLE are required');
  const server = await startUpstreamDnsService({ socketPath, tablePath });
  const stop = (): void => {
    server.close().then(
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
