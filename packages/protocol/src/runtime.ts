import { z } from 'zod';

/**
 * What a container may use (limits) and how secrets reach it as files. Shared by the API (an
 * app's overrides), releases (frozen, effective values) and the agent (the container spec).
 */

/**
 * Chosen for a small shared server (2–4 cores, a few GiB): one core and 512 MiB fit a typical
 * Node, Python or Go web process, while no single app can starve the host or its neighbours;
 * 512 processes/threads is far above what such a process runs and far below what a fork bomb
 * needs to hurt the host. Apps that need more say so (`--cpu`, `--memory`, `--pids`).
 */
export const LIMIT_DEFAULTS = { cpu: 1, memoryMiB: 512, pids: 512 } as const;

/** CPUs as a fraction of cores, in steps of 0.001 (what the engine's NanoCpus can express well). */
export const CpuLimit = z
  .number()
  .min(0.01, { message: 'must be at least 0.01 CPU' })
  .max(64, { message: 'must be at most 64 CPUs' })
  .refine((n) => Math.abs(n * 1000 - Math.round(n * 1000)) < 1e-6, {
    message: 'must have at most three decimals, like 0.5 or 1.25',
  });

/** Memory in MiB; 16 MiB is below any useful app and above what engines refuse (Docker: 6 MB). */
export const MemoryLimitMiB = z
  .number()
  .int()
  .min(16, { message: 'must be at least 16 MiB' })
  .max(1024 * 1024, { message: 'must be at most 1 TiB' });

/** Processes and threads in the container, together. */
export const PidsLimit = z
  .number()
  .int()
  .min(16, { message: 'must be at least 16' })
  .max(65_536, { message: 'must be at most 65536' });

export const ResourceLimits = z
  .object({ cpu: CpuLimit, memoryMiB: MemoryLimitMiB, pids: PidsLimit })
  .strict();
export type ResourceLimits = z.infer<typeof ResourceLimits>;

/** What a person sets: any subset; the rest keeps its current (or default) value. */
export const ResourceLimitsInput = ResourceLimits.partial()
  .strict()
  .refine((l) => Object.keys(l).length > 0, { message: 'set at least one of cpu, memoryMiB, pids' });
export type ResourceLimitsInput = z.infer<typeof ResourceLimitsInput>;

/**
 * Where a secret is mounted as a read-only file: `/run/secrets/<name>`, one level, a name of
 * letters, digits, `.`, `_` and `-` that does not start with a dot (so never `.` or `..`).
 * One fixed prefix keeps a secret from being mounted over a path the image relies on.
 */
export const SECRET_FILE_PREFIX = '/run/secrets/';
export const SECRET_FILE_PATH_PATTERN = /^\/run\/secrets\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
export const SecretFilePath = z.string().regex(SECRET_FILE_PATH_PATTERN, {
  message:
    'must be /run/secrets/NAME: NAME of letters, digits, ".", "_" and "-", not starting with a dot, at most 128 characters',
});

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  '': 1 / (1024 * 1024),
  b: 1 / (1024 * 1024),
  k: 1 / 1024,
  kb: 1 / 1024,
  ki: 1 / 1024,
  kib: 1 / 1024,
  m: 1,
  mb: 1,
  mi: 1,
  mib: 1,
  g: 1024,
  gb: 1024,
  gi: 1024,
  gib: 1024,
  t: 1024 * 1024,
  tb: 1024 * 1024,
  ti: 1024 * 1024,
  tib: 1024 * 1024,
};

/**
 * `256M`, `1.5G`, `512Mi`, `1073741824` → MiB, as `docker run --memory` reads them (units are
 * binary: M = MiB). Null when the text is not a size or is not a whole number of MiB.
 */
export function parseMemoryMiB(text: string): number | null {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$/.exec(text.trim());
  if (!m) return null;
  const unit = MEMORY_UNITS[(m[2] ?? '').toLowerCase()];
  if (unit === undefined) return null;
  const mib = Number(m[1]) * unit;
  const rounded = Math.round(mib);
  return Math.abs(mib - rounded) < 1e-9 ? rounded : null;
}

/** `0.5 CPU, 256 MiB, 512 pids` — how people read limits. */
export function formatLimits(l: ResourceLimits): string {
  const mem = l.memoryMiB % 1024 === 0 ? `${l.memoryMiB / 1024} GiB` : `${l.memoryMiB} MiB`;
  return `${l.cpu} CPU, ${mem} memory, ${l.pids} pids`;
}
