import { join } from 'node:path';

/** Where everything of one Berth instance lives, under its data dir. */
export interface UpPaths {
  dataDir: string;
  runDir: string;
  logDir: string;
  caddyDir: string;
  /** nginx's private prefix (`--proxy nginx`): config versions, pid, logs, temp files. */
  nginxDir: string;
  agentDir: string;
  podmanDir: string;
  caddyBootConfig: string;
  caddyAdminSocket: string;
  dnsSocket: string;
  podmanSocket: string;
  podmanConf: string;
  berthdUrlFile: string;
  adminTokenFile: string;
  /** The first-owner setup token berthd writes while the installation has no owner account. */
  setupTokenFile: string;
  /** berthd's internal CA certificate (made when it first serves beyond loopback). */
  caCert: string;
  lockFile: string;
  agentPublicKey: string;
}

/** Unix socket paths are limited to ~108 bytes; leave room. */
const MAX_SOCKET_PATH = 100;

export function toUpPaths(dataDir: string): UpPaths {
  const runDir = join(dataDir, 'run');
  const paths: UpPaths = {
    dataDir,
    runDir,
    logDir: join(dataDir, 'logs'),
    caddyDir: join(dataDir, 'caddy'),
    nginxDir: join(dataDir, 'nginx'),
    agentDir: join(dataDir, 'agent'),
    podmanDir: join(dataDir, 'podman'),
    caddyBootConfig: join(dataDir, 'caddy', 'boot.json'),
    caddyAdminSocket: join(runDir, 'caddy-admin.sock'),
    dnsSocket: join(runDir, 'upstream-dns.sock'),
    podmanSocket: join(runDir, 'podman.sock'),
    podmanConf: join(dataDir, 'podman', 'containers.conf'),
    berthdUrlFile: join(runDir, 'berthd.url'),
    adminTokenFile: join(dataDir, 'admin.token'),
    setupTokenFile: join(dataDir, 'setup.token'),
    caCert: join(dataDir, 'ca.crt'),
    lockFile: join(runDir, 'up.pid'),
    agentPublicKey: join(dataDir, 'agent', 'identity.pub'),
  };
  const long = [paths.caddyAdminSocket, paths.dnsSocket, paths.podmanSocket].find(
    (p) => p.length > MAX_SOCKET_PATH,
  );
  if (long) {
    throw new Error(`The data dir path is too long for a unix socket (${long}); use a shorter --data-dir`);
  }
  return paths;
}
