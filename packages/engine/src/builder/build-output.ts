/**
 * The progress stream of POST /build: newline-delimited JSON objects. `stream` carries the
 * build's output in arbitrary pieces (a piece may hold several lines, or half of one),
 * `aux.ID` the image id, `error`/`errorDetail` the failure. Docker and Podman both speak it.
 * Pure: chunks in, lines and the outcome out.
 */
import { asRecord, asString } from '../container/engine-json.js';

export interface BuildOutcome {
  imageId: string | null;
  error: string | null;
  /** The last `STEP n/m: …` line (Podman; Docker says `Step n/m : …`). */
  step: string | null;
  lastLines: string[];
}

export interface BuildOutputParser {
  push(chunk: string): void;
  end(): BuildOutcome;
}

const KEEP_LINES = 30;
/** Podman prefixes the stage in multi-stage builds: `[2/2] STEP 1/3: FROM …`. */
const STEP_LINE = /^(?:\[\d+\/\d+\] )?(?:STEP|Step) \d+\/\d+ ?:/;

export function createBuildOutputParser(onLine: (line: string) => void): BuildOutputParser {
  let pendingJson = '';
  let pendingText = '';
  const outcome: BuildOutcome = { imageId: null, error: null, step: null, lastLines: [] };

  const emit = (line: string): void => {
    if (STEP_LINE.test(line)) outcome.step = line;
    outcome.lastLines.push(line);
    if (outcome.lastLines.length > KEEP_LINES) outcome.lastLines.shift();
    onLine(line);
  };
  const text = (piece: string): void => {
    const parts = (pendingText + piece).split('\n');
    pendingText = parts.pop() ?? '';
    for (const part of parts) emit(part.replace(/\r$/, ''));
  };
  const flushText = (): void => {
    if (pendingText !== '') emit(pendingText);
    pendingText = '';
  };
  const event = (json: string): void => {
    if (json.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      text(`${json}\n`); // not JSON: show it as it came
      return;
    }
    const e = asRecord(parsed);
    const stream = asString(e.stream);
    if (stream !== '') text(stream);
    const id = asString(asRecord(e.aux).ID);
    if (id !== '') outcome.imageId = id.startsWith('sha256:') ? id : `sha256:${id}`;
    const error = asString(asRecord(e.errorDetail).message) || asString(e.error);
    if (error !== '' && outcome.error === null) {
      flushText();
      outcome.error = error.trim();
      for (const line of outcome.error.split('\n')) emit(line);
    }
  };

  return {
    push(chunk) {
      const parts = (pendingJson + chunk).split('\n');
      pendingJson = parts.pop() ?? '';
      parts.forEach(event);
    },
    end() {
      event(pendingJson);
      pendingJson = '';
      flushText();
      return outcome;
    },
  };
}
