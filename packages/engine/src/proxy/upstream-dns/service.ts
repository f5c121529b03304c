/**
 * The upstream DNS service as a process runs it: it answers Caddy from the table file, re-read
 * when it changes, so apps stay reachable while the agent that publishes the table restarts.
 */

import type { BerthError } from '@berth/protocol';
import { answerUpstreamQuery } from './answer.js';
import { startUpstreamDns, type UpstreamDnsServer } from './dns-server.js';
import { createUpstreamTableReader } from './table-file.js';

export interface UpstreamDnsServiceOptions {
  socketPath: string;
  tablePath: string;
  onTableError?: (e: BerthError) => void;
}

export function startUpstreamDnsService(options: UpstreamDnsServiceOptions): Promise<UpstreamDnsServer> {
  const reader = createUpstreamTableReader(options.tablePath, options.onTableError);
  return startUpstreamDns({
    socketPath: options.socketPath,
    lookup: (name, type) => answerUpstreamQuery(reader.current(), name, type),
  });
}
