import { HEALTH_DEFAULTS, type HealthCheck, type HealthCheckInput } from '@berth/protocol';
import type { Command } from 'commander';
import { parseDurationArg } from '../../cli/parse.js';

/** The health check flags of `apps create` and `apps update`. */

export interface HealthOptions {
  healthType?: 'http' | 'tcp';
  healthPath?: string;
  healthInterval?: number;
  healthSteadyInterval?: number;
  healthTimeout?: number;
  healthProbeTimeout?: number;
}

export function withHealthOptions(command: Command): Command {
  return command
    .option('--health-type <type>', 'http (default) or tcp')
    .option('--health-path <path>', 'HTTP path that answers 2xx/3xx when healthy (default /)')
    .option(
      '--health-interval <duration>',
      'how often a serving replica is probed while a rollout runs, or while it fails (default 1s)',
      parseDurationArg,
    )
    .option(
      '--health-steady-interval <duration>',
      'how often once its release is rolled out and it passes (default 30s); each probe is a request in the app’s log',
      parseDurationArg,
    )
    .option(
      '--health-timeout <duration>',
      'how long a new release has to become healthy (default 60s)',
      parseDurationArg,
    )
    .option(
      '--health-probe-timeout <duration>',
      'how long one probe may take (default 2s)',
      parseDurationArg,
    );
}

export function healthInput(opts: HealthOptions): HealthCheckInput | null {
  const h: HealthCheckInput = {
    ...(opts.healthType !== undefined && { type: opts.healthType }),
    ...(opts.healthPath !== undefined && { path: opts.healthPath }),
    ...(opts.healthInterval !== undefined && { intervalMs: opts.healthInterval }),
    ...(opts.healthSteadyInterval !== undefined && { steadyIntervalMs: opts.healthSteadyInterval }),
    ...(opts.healthTimeout !== undefined && { timeoutMs: opts.healthTimeout }),
    ...(opts.healthProbeTimeout !== undefined && { probeTimeoutMs: opts.healthProbeTimeout }),
  };
  return Object.keys(h).length > 0 ? h : null;
}

/** `GET /up every 1 s (30 s once rolled out), 60 s to become healthy`, as `apps show` says it. */
export function describeHealth(h: HealthCheck): string {
  const s = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
  const steady = h.steadyIntervalMs ?? HEALTH_DEFAULTS.steadyIntervalMs;
  const what = h.type === 'http' ? `GET ${h.path}` : 'tcp connect';
  return `${what} every ${s(h.intervalMs)} (${s(steady)} once rolled out), ${s(h.timeoutMs)} to become healthy`;
}
