import { readFile } from 'node:fs/promises';
import { createAtomicFile } from '@berth/io';
import { DesiredState, RolloutFailure } from '@berth/protocol';
import type { RolloutOutcome } from '@berth/core';
import { z } from 'zod';

/**
 * What the agent must not forget across restarts: the last desired state (so it keeps its
 * server right while berthd is away) and each rollout's outcome (so a failed one is not retried).
 */
const AgentMemory = z.object({
  desired: DesiredState.nullable(),
  outcomes: z.record(z.string(), z.enum(['converged', 'failed'])),
  failures: z.record(z.string(), RolloutFailure),
});
export type AgentMemory = z.infer<typeof AgentMemory>;

export interface MemoryFile {
  read(): Promise<AgentMemory>;
  write(memory: AgentMemory): Promise<void>;
}

const EMPTY: AgentMemory = { desired: null, outcomes: {}, failures: {} };

/** Outcomes of revisions no longer desired are dropped, so the file stays small. */
export function pruneMemory(memory: AgentMemory): AgentMemory {
  const live = new Set((memory.desired?.apps ?? []).map((a) => a.revision));
  const keep = <T>(r: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(r).filter(([k]) => live.has(k)));
  return {
    desired: memory.desired,
    outcomes: keep<RolloutOutcome>(memory.outcomes),
    failures: keep(memory.failures),
  };
}

export function createMemoryFile(path: string): MemoryFile {
  // Writes come from the loop and from berthd's pushes at once: they must land in call order.
  const file = createAtomicFile(path, { mode: 0o600, dirMode: 0o700 });
  return {
    async read() {
      try {
        const parsed = AgentMemory.safeParse(JSON.parse(await readFile(path, 'utf8')));
        return parsed.success ? parsed.data : EMPTY;
      } catch {
        return EMPTY;
      }
    },
    write(memory) {
      // Serialised now: the caller goes on changing the object while the write waits its turn.
      return file.write(JSON.stringify(memory));
    },
  };
}
