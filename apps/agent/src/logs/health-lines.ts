import { toNanos } from './log-time.js';

/** When one health probe of a replica ran, on the agent's clock. */
export interface ProbeWindow {
  startMs: number;
  endMs: number;
}

/** A log line, and when the agent read it from a live stream (absent for one-off reads). */
export interface ReadLine {
  at: string;
  line: string;
  receivedAtMs?: number;
}

/** What the User-Agent of every probe starts with (`berth-health/1`). */
const PROBE_AGENT = 'berth-health/';
/**
 * How long after a probe's answer its log line may still arrive: the app writes it, the engine
 * reads it from the container, its log stream hands it to the agent.
 */
export const PROBE_LINE_GRACE_MS = 250;
/**
 * How far the engine's timestamp of a line may be from when the agent read it for the line to
 * count as read live. Podman's timestamps are whole seconds; a tail sent when a stream opens is
 * older, and is never matched by timing.
 */
const LIVE_SKEW_MS = 2000;

/**
 * Whether a line is a request of Berth's own health probes, as far as can be told:
 * - its text carries the probe's User-Agent — access logs that show the User-Agent (nginx and
 *   Apache's combined format, gunicorn, Caddy, Express's morgan `combined`) are recognised in
 *   history and live alike;
 * - or, read live, it arrived while a probe of that replica was in flight (or just after) —
 *   servers that log without the User-Agent (busybox httpd, Python's http.server, uvicorn).
 *   A real request logged in that same instant is taken for the probe's; a line the app writes
 *   late (buffered stdout) is not recognised.
 */
export function isHealthLine(line: ReadLine, windows: readonly ProbeWindow[]): boolean {
  if (line.line.includes(PROBE_AGENT)) return true;
  const received = line.receivedAtMs;
  if (received === undefined || windows.length === 0) return false;
  const written = toNanos(line.at);
  if (written === null) return false;
  const skew = received - Number(written / 1_000_000n);
  if (skew < -LIVE_SKEW_MS || skew > LIVE_SKEW_MS) return false;
  for (let i = windows.length - 1; i >= 0; i--) {
    const w = windows[i];
    if (!w || w.endMs + PROBE_LINE_GRACE_MS < received) break;
    if (w.startMs <= received) return true;
  }
  return false;
}
