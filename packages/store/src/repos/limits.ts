import { LIMIT_DEFAULTS, type ResourceLimits } from '@berth/protocol';

/** The limit columns apps and releases share (added by 0006). */
export interface LimitColumns {
  cpu_millis: number | null;
  memory_mib: number | null;
  pids_limit: number | null;
}

/** CPU is kept in thousandths, an integer, so a stored value compares exactly. */
export const toLimitColumns = (l: ResourceLimits): LimitColumns => ({
  cpu_millis: Math.round(l.cpu * 1000),
  memory_mib: l.memoryMiB,
  pids_limit: l.pids,
});

/** Rows made before 0006 have NULLs: they ran without limits and get the defaults from now on. */
export const fromLimitColumns = (r: LimitColumns): ResourceLimits => ({
  cpu: r.cpu_millis === null ? LIMIT_DEFAULTS.cpu : r.cpu_millis / 1000,
  memoryMiB: r.memory_mib ?? LIMIT_DEFAULTS.memoryMiB,
  pids: r.pids_limit ?? LIMIT_DEFAULTS.pids,
});
