/** Messages between the fleet bench and its agent worker processes (over the fork IPC channel). */
import type { Arrival } from './sim-agent.js';

export type ToWorker =
  | { type: 'join'; origin: string; dir: string; agents: { name: string; token: string }[] }
  | { type: 'connect'; linkUrl: string }
  | { type: 'mark' }
  | { type: 'collect' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'joined'; joinMs: number[]; startedAt: number; endedAt: number }
  /** Every agent welcomed and sent its first desired state. */
  | { type: 'connected'; startedAt: number; firstDesiredAt: number[] }
  | { type: 'marked' }
  | {
      type: 'collected';
      agents: { name: string; markedVersion: number; arrivals: Arrival[] }[];
      connected: number;
      /** Welcomes beyond each agent's first: links that dropped and came back. */
      reconnects: number;
    }
  | { type: 'failed'; error: string };
