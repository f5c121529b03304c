import { HEALTH_DEFAULTS, type HealthCheck } from '@berth/protocol';

/**
 * When a replica is probed next. Every probe is a request the app sees (and usually logs), so
 * the rate follows what the answer is needed for:
 * - `starting`: a new replica, not serving yet: every 10 ms, so it serves the moment it can;
 * - `rolling`: serving while its app's rollout is under way, whose steps read its health: every
 *   `intervalMs` (`--health-interval`, default 1 s);
 * - `steady`: serving a release that is rolled out: every `steadyIntervalMs`
 *   (`--health-steady-interval`, default 30 s) while it passes, and back to `intervalMs` while
 *   it fails, to see it recover soon.
 */
export type ProbePhase = 'starting' | 'rolling' | 'steady';

/** How often a replica that is not serving yet is probed. */
export const STARTING_INTERVAL_MS = 10;

export function nextProbeDelayMs(check: HealthCheck, phase: ProbePhase, passed: boolean): number {
  switch (phase) {
    case 'starting':
      return STARTING_INTERVAL_MS;
    case 'rolling':
      return check.intervalMs;
    case 'steady':
      return passed ? (check.steadyIntervalMs ?? HEALTH_DEFAULTS.steadyIntervalMs) : check.intervalMs;
  }
}

/**
 * Whether a replica moving from one phase to another should be probed at once instead of at
 * its next planned probe: when it needs answers sooner than it was getting them.
 */
export const probeNowOnChange = (from: ProbePhase, to: ProbePhase): boolean => RANK[to] < RANK[from];

const RANK: Readonly<Record<ProbePhase, number>> = { starting: 0, rolling: 1, steady: 2 };

/** The phase of a target replica: not yet routed, routed during its rollout, routed after it. */
export function toProbePhase(routed: boolean, rolledOut: boolean): ProbePhase {
  if (!routed) return 'starting';
  return rolledOut ? 'steady' : 'rolling';
}
