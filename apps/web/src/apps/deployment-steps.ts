import type { DeploymentLine, EndedDeployment } from '../api/deployment-events.js';
import type { DeploymentEvent } from '../api/paths.js';
import { ApiError } from '../problems/problem.js';
import { connectionStep, endedWith, type ConnectionAction, type StreamState } from './stream-connection.js';

/**
 * A deployment's steps on the app page: what arrived, in order, and how the stream that brings
 * them is doing. No React and no DOM here (useDeploymentSteps.ts and DeploymentSteps.tsx use it).
 */

const bySeq = (a: DeploymentEvent, b: DeploymentEvent): number => a.seq - b.seq;

/**
 * The steps with the new ones in place, by sequence number. A step already there stays as it was
 * (a reconnect may send one again); nothing new gives back the same array.
 */
export function mergeSteps(
  steps: readonly DeploymentEvent[],
  incoming: readonly DeploymentEvent[],
): readonly DeploymentEvent[] {
  const seen = new Set(steps.map((s) => s.seq));
  const fresh: DeploymentEvent[] = [];
  for (const step of incoming) {
    if (seen.has(step.seq)) continue;
    seen.add(step.seq);
    fresh.push(step);
  }
  if (fresh.length === 0) return steps;
  return [...steps, ...fresh].sort(bySeq);
}

export type { Connection } from './stream-connection.js';

/** A deployment's steps, and its stream's state (`ended`: the deployment as the end line told it). */
export interface StepsState extends StreamState<EndedDeployment> {
  steps: readonly DeploymentEvent[];
}

export const initialSteps: StepsState = { steps: [], ended: null, connection: 'connecting', error: null };

export type StepsAction =
  | { type: 'reset' }
  | { type: 'open' }
  | { type: 'events'; events: readonly DeploymentEvent[] }
  | { type: 'end'; deployment: EndedDeployment }
  | ConnectionAction;

export function stepsReducer(state: StepsState, action: StepsAction): StepsState {
  switch (action.type) {
    case 'reset':
      return initialSteps;
    case 'events': {
      const steps = mergeSteps(state.steps, action.events);
      return steps === state.steps ? state : { ...state, steps };
    }
    case 'end':
      return endedWith(state, action.deployment);
    case 'open':
    case 'retry':
    case 'fail':
      return connectionStep(state, action);
  }
}

/** The waits before opening a dropped stream again: 1 s, then 2 s, 4 s, and 5 s from then on. */
export const RETRY_MS = { first: 1_000, max: 5_000 } as const;

export const retryDelay = (failures: number): number =>
  Math.min(RETRY_MS.first * 2 ** Math.max(0, failures), RETRY_MS.max);

/** The answer ended without its end line: berthd went away (a restart) mid-stream. */
export class StreamCutError extends Error {
  constructor() {
    super('The stream of steps ended before the deployment did');
    this.name = 'StreamCutError';
  }
}

/**
 * Worth opening again: a lost connection (fetch's TypeError), an answer cut short, berthd or its
 * proxy failing (5xx), too many streams open (429). Not: a refusal (401, 403, 404), an invalid
 * line (the page and berthd disagree; again would only say the same).
 */
export function mayRetry(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof StreamCutError) return true;
  return error instanceof ApiError && (error.status >= 500 || error.status === 429);
}

export interface FollowOptions {
  /** Opens the stream from after a sequence number (0: from the start). */
  open: (after: number, signal: AbortSignal) => Promise<AsyncIterable<DeploymentLine>>;
  /** The last step already seen (0, or none, for all of them). */
  after?: number;
  signal: AbortSignal;
  onOpen: () => void;
  onEvent: (event: DeploymentEvent) => void;
  onEnd: (deployment: EndedDeployment) => void;
  /** The stream dropped: it is opened again after `delayMs`. */
  onRetry: (error: unknown, delayMs: number) => void;
  /** Resolves after `ms`, or at once when the signal aborts. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function waitFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Reads a deployment's steps to the end line, through dropped connections: each time again from
 * after the last step seen, after retryDelay (counted from the last time a line came). Resolves at
 * the end line or when the signal aborts; rejects with an error it will not retry (see mayRetry).
 */
export async function followDeployment(options: FollowOptions): Promise<void> {
  const { open, signal, wait = waitFor } = options;
  let after = options.after ?? 0;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const lines = await open(after, signal);
      options.onOpen();
      for await (const line of lines) {
        failures = 0;
        if (line.type === 'end') {
          options.onEnd(line.deployment);
          return;
        }
        after = Math.max(after, line.event.seq);
        options.onEvent(line.event);
      }
      throw new StreamCutError();
    } catch (error) {
      if (signal.aborted) return;
      if (!mayRetry(error)) throw error;
      // Too many streams open: berthd says to come back in 5 s (Retry-After), the longest wait.
      const delay = error instanceof ApiError && error.status === 429 ? RETRY_MS.max : retryDelay(failures);
      failures += 1;
      options.onRetry(error, delay);
      await wait(delay, signal);
    }
  }
}

/** "+1.2 s", "+3 min 5 s", "+1 h 2 min": how long after `originIso` a step came; null if unknown. */
export function formatStepOffset(originIso: string, atIso: string): string | null {
  const ms = Date.parse(atIso) - Date.parse(originIso);
  if (Number.isNaN(ms)) return null;
  const sign = ms < 0 ? '\u2212' : '+';
  const tenths = Math.round(Math.abs(ms) / 100);
  if (tenths < 600) return `${sign}${(tenths / 10).toFixed(1)} s`;
  return `${sign}${formatElapsed(tenths * 100)}`;
}

/** "0 s", "42 s", "3 min 5 s", "1 h 2 min": a span in whole seconds (a negative one is 0 s). */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** How a screen reader is told of a step: its level, when it is not plain information, then its text. */
export function stepAnnouncement(step: Pick<DeploymentEvent, 'level' | 'message'>): string {
  switch (step.level) {
    case 'info':
      return step.message;
    case 'warn':
      return `Warning: ${step.message}`;
    case 'error':
      return `Error: ${step.message}`;
  }
}
