/**
 * What every app container runs with, whatever its image asks for: the limits of its release
 * and a hardened profile. Pure: the spec in, the Docker Engine API's HostConfig out.
 */
import type { ReplicaContainerSpec } from './types.js';

/**
 * All capabilities are dropped, then these few are given back: what the common "start as root,
 * fix ownership of a volume, drop to a service user" entrypoints (nginx, postgres, apache,
 * gosu/su-exec wrappers) need, and nothing that reaches past the container.
 * - CHOWN, FOWNER, DAC_OVERRIDE: an entrypoint running as root chowns/chmods and writes files
 *   owned by the service user (e.g. `chown -R postgres /var/lib/postgresql`).
 * - SETUID, SETGID: dropping from root to that user (setuid/setgid/setgroups).
 * - KILL: a root master process signals its workers, which run as another user (nginx).
 * - NET_BIND_SERVICE: listening on a port below 1024 inside the container (nginx on :80).
 * Dropped among the engine's defaults: NET_RAW (raw sockets: forged source addresses, ARP
 * spoofing on the team bridge, which would defeat the host firewall's view of who sends),
 * MKNOD, SYS_CHROOT, SETPCAP, SETFCAP, FSETID and AUDIT_WRITE: no web app needs them.
 */
export const KEPT_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'SETUID',
  'SETGID',
  'KILL',
  'NET_BIND_SERVICE',
] as const;

const MIB = 1024 * 1024;

/** HostConfig for POST /containers/create (Docker and Podman's compat service read the same fields). */
export function toHostConfig(spec: ReplicaContainerSpec): Record<string, unknown> {
  const portKey = `${spec.port}/tcp`;
  const memory = spec.limits.memoryMiB * MIB;
  return {
    ...(spec.publish !== false && {
      PortBindings: {
        [portKey]: [
          { HostIp: spec.publishHost, HostPort: '' },
          ...(spec.publicBinding
            ? [{ HostIp: spec.publicBinding.host, HostPort: String(spec.publicBinding.port) }]
            : []),
        ],
      },
    }),
    // The agent decides about restarts; an engine restarting on its own would fight it.
    RestartPolicy: { Name: 'no' },
    NetworkMode: spec.network,
    ...(spec.dns ? { Dns: [spec.dns] } : {}),
    Memory: memory,
    // Equal to Memory: no swap on top, so the limit is what the app gets, not a hint.
    MemorySwap: memory,
    NanoCpus: Math.round(spec.limits.cpu * 1e9),
    PidsLimit: spec.limits.pids,
    CapDrop: ['ALL'],
    CapAdd: [...KEPT_CAPABILITIES],
    // setuid binaries and file capabilities inside the image cannot raise privileges again.
    SecurityOpt: ['no-new-privileges'],
    Mounts: [
      ...spec.files.map((f) => ({ Type: 'bind', Source: f.source, Target: f.target, ReadOnly: true })),
      // Paths were checked by berthd (@berth/core's mountPathProblem) and the names are Berth's.
      ...(spec.volumes ?? []).map((v) => ({
        Type: 'volume',
        Source: v.name,
        Target: v.target,
        ReadOnly: false,
      })),
    ],
  };
}
