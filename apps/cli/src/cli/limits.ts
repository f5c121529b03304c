import {
  CpuLimit,
  PidsLimit,
  parseMemoryMiB,
  MemoryLimitMiB,
  type ResourceLimitsInput,
} from '@berth/protocol';
import { InvalidArgumentError, type Command } from 'commander';

/** `--cpu 0.5 --memory 256M --pids 256`: the same flags on `apps create` and `scale`. */

export interface LimitOptions {
  cpu?: number;
  memory?: number;
  pids?: number;
}

function parseCpuArg(value: string): number {
  const n = Number(value);
  const parsed = CpuLimit.safeParse(n);
  if (value.trim() === '' || !parsed.success)
    throw new InvalidArgumentError(
      `expected CPUs like 0.5, 1 or 2 (0.01 to 64)${parsed.success ? '' : `: ${parsed.error.issues[0]?.message ?? ''}`}`,
    );
  return parsed.data;
}

function parseMemoryArg(value: string): number {
  const mib = parseMemoryMiB(value);
  const parsed = MemoryLimitMiB.safeParse(mib);
  if (mib === null || !parsed.success)
    throw new InvalidArgumentError('expected a size like 256M, 1G or 1.5G (whole MiB, 16M to 1T)');
  return parsed.data;
}

function parsePidsArg(value: string): number {
  const parsed = PidsLimit.safeParse(Number(value));
  if (!parsed.success) throw new InvalidArgumentError('expected a whole number from 16 to 65536');
  return parsed.data;
}

export function withLimitOptions(command: Command, defaults: string): Command {
  return command
    .option('--cpu <cpus>', `CPUs each replica may use, e.g. 0.5 ${defaults}`, parseCpuArg)
    .option('--memory <size>', `memory each replica may use, e.g. 256M or 1G ${defaults}`, parseMemoryArg)
    .option('--pids <n>', `processes and threads each replica may run ${defaults}`, parsePidsArg);
}

/** The limits given as flags, or undefined when none was. */
export function limitsInput(opts: LimitOptions): ResourceLimitsInput | undefined {
  const limits = {
    ...(opts.cpu !== undefined && { cpu: opts.cpu }),
    ...(opts.memory !== undefined && { memoryMiB: opts.memory }),
    ...(opts.pids !== undefined && { pids: opts.pids }),
  };
  return Object.keys(limits).length > 0 ? limits : undefined;
}
