import {
  HEALTH_DEFAULTS,
  LIMIT_DEFAULTS,
  type EnvPatch,
  type HealthCheck,
  type HealthCheckInput,
  type ResourceLimits,
} from '@berth/protocol';

export const DEFAULT_PORT = 8080;
export const DEFAULT_REPLICAS = 1;

/** What an app runs; a release freezes one of these (plus the resolved image id). */
export interface AppSpec {
  image: string;
  port: number;
  command: string[] | null;
  env: Record<string, string>;
  health: HealthCheck;
  replicas: number;
  /** What each replica may use: effective values (defaults filled in when the app was made). */
  limits: ResourceLimits;
}

export function toHealthCheck(
  input: HealthCheckInput | undefined,
  base: HealthCheck = HEALTH_DEFAULTS,
): HealthCheck {
  return {
    type: input?.type ?? base.type,
    path: input?.path ?? base.path,
    intervalMs: input?.intervalMs ?? base.intervalMs,
    timeoutMs: input?.timeoutMs ?? base.timeoutMs,
    probeTimeoutMs: input?.probeTimeoutMs ?? base.probeTimeoutMs,
    steadyIntervalMs: input?.steadyIntervalMs ?? base.steadyIntervalMs ?? HEALTH_DEFAULTS.steadyIntervalMs,
  };
}

/** Limits with what is not given taken from `base` (the defaults, or the app's current limits). */
export function toLimits(
  input: Partial<ResourceLimits> | undefined,
  base: ResourceLimits = LIMIT_DEFAULTS,
): ResourceLimits {
  return {
    cpu: input?.cpu ?? base.cpu,
    memoryMiB: input?.memoryMiB ?? base.memoryMiB,
    pids: input?.pids ?? base.pids,
  };
}

export const sameLimits = (a: ResourceLimits, b: ResourceLimits): boolean =>
  a.cpu === b.cpu && a.memoryMiB === b.memoryMiB && a.pids === b.pids;

/** Applies `env set/unset`; returns null when nothing would change, so no empty release is made. */
export function applyEnvPatch(env: Record<string, string>, patch: EnvPatch): Record<string, string> | null {
  const next: Record<string, string> = { ...env };
  for (const [k, v] of Object.entries(patch.set ?? {})) next[k] = v;
  for (const k of patch.unset ?? []) delete next[k];
  return sameEnv(env, next) ? null : sortedEnv(next);
}

const sameEnv = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};

export const sortedEnv = (env: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
