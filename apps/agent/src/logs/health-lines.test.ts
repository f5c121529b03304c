import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHealthLine, PROBE_LINE_GRACE_MS, type ProbeWindow } from './health-lines.js';

const T = Date.parse('2026-12-02T15:32:13Z');
/** Podman's stamp: the whole second the line was written in. */
const at = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000', '');
const windows: ProbeWindow[] = [
  { startMs: T - 30_000, endMs: T - 29_998 },
  { startMs: T + 400, endMs: T + 403 },
];

test('an access log line with the probe User-Agent is a probe line, read live or not', () => {
  const nginx =
    '10.88.0.1 - - [02/Dec/2026:15:32:13 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "berth-health/1"';
  assert.equal(isHealthLine({ at: at(T), line: nginx }, []), true);
  assert.equal(isHealthLine({ at: at(T), line: nginx, receivedAtMs: T + 90_000 }, windows), true);
  const browser = nginx.replace('berth-health/1', 'Mozilla/5.0');
  assert.equal(isHealthLine({ at: at(T), line: browser }, windows), false);
});

test('a line read live while a probe was in flight, or just after its answer, is a probe line', () => {
  const busybox = '[::ffff:10.88.0.1]:33710: response:200';
  for (const received of [T + 400, T + 402, T + 403 + PROBE_LINE_GRACE_MS]) {
    assert.equal(isHealthLine({ at: at(received), line: busybox, receivedAtMs: received }, windows), true);
  }
  for (const received of [T + 399, T + 404 + PROBE_LINE_GRACE_MS, T + 5000]) {
    assert.equal(
      isHealthLine({ at: at(received), line: busybox, receivedAtMs: received }, windows),
      false,
      `read at +${received - T} ms`,
    );
  }
});

test('timing is not used for lines that were not read live', () => {
  const busybox = '[::ffff:10.88.0.1]:33710: response:200';
  assert.equal(isHealthLine({ at: at(T + 401), line: busybox }, windows), false, 'a one-off read');
  // A stream's opening tail: read during a probe, but written long before.
  assert.equal(isHealthLine({ at: at(T - 60_000), line: busybox, receivedAtMs: T + 401 }, windows), false);
  assert.equal(isHealthLine({ at: 'not a time', line: busybox, receivedAtMs: T + 401 }, windows), false);
});
