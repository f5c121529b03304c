/**
 * A process's resident memory and CPU time as Linux reports them in /proc, and the summaries the
 * fleet bench prints. The parsers are pure; `sampleProcess` reads the files.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { percentile } from '../measure.js';

export interface ProcessSample {
  /** VmRSS, in KiB. */
  rssKib: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** VmRSS (KiB) from the text of /proc/<pid>/status. */
export function parseVmRssKib(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m?.[1]) throw new Error('no VmRSS line in /proc/<pid>/status');
  return Number(m[1]);
}

/**
 * utime + stime (fields 14 and 15) from the text of /proc/<pid>/stat. The command name (field 2)
 * is in parentheses and may itself hold spaces and parentheses, so fields count from the last ')'.
 */
export function parseCpuTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): field n is rest[n - 3].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error('malformed /proc/<pid>/stat');
  return utime + stime;
}

/** CPU used between two samples, as a percentage of one core over `ms` of wall time. */
export function cpuPercentOfOneCore(ticks: number, ticksPerSecond: number, ms: number): number {
  return ms <= 0 ? 0 : (ticks / ticksPerSecond / (ms / 1000)) * 100;
}

export async function sampleProcess(pid: number): Promise<ProcessSample> {
  const [status, stat] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/stat`, 'utf8'),
  ]);
  return { rssKib: parseVmRssKib(status), cpuTicks: parseCpuTicks(stat) };
}

/** USER_HZ: the unit of /proc's CPU times (100 on every Linux this runs on, but asked, not assumed). */
export async function clockTicksPerSecond(): Promise<number> {
  const { stdout } = await promisify(execFile)('getconf', ['CLK_TCK']);
  const n = Number(stdout.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(xs: readonly number[]): Summary {
  return {
    n: xs.length,
    p50: percentile(xs, 50),
    p95: percentile(xs, 95),
    p99: percentile(xs, 99),
    max: xs.length === 0 ? Number.NaN : Math.max(...xs),
  };
}
