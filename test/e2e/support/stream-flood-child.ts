/**
 * The flood of stream-flood.ts in a process of its own, driven over IPC: thousands of sockets in
 * the test's own process would slow its event loop and so the latencies it measures.
 *   → {kind:'flood', options}   ← {kind:'flooded', result}
 *   → {kind:'counts', pattern}  ← {kind:'counts', lines: number[] (matching pattern), closed: number}
 *   → {kind:'close'}            ← {kind:'closed'}, then exits
 */
import { floodStreams, type FloodOptions, type HeldStream } from './stream-flood.js';

export type FloodRequest =
  { kind: 'flood'; options: FloodOptions } | { kind: 'counts'; pattern: string } | { kind: 'close' };
export type FloodReply =
  | {
      kind: 'flooded';
      statuses: Record<string, number>;
      errors: Record<string, number>;
      refusals: { status: number; retryAfter: string | undefined; body: string }[];
      ms: number;
    }
  | { kind: 'counts'; lines: number[]; closed: number }
  | { kind: 'closed' };

let held: HeldStream[] = [];
const reply = (m: FloodReply): void => void process.send?.(m);

process.on('message', (m: FloodRequest) => {
  switch (m.kind) {
    case 'flood':
      void floodStreams(m.options).then((r) => {
        held = r.held;
        reply({ kind: 'flooded', statuses: r.statuses, errors: r.errors, refusals: r.refusals, ms: r.ms });
      });
      return;
    case 'counts': {
      const pattern = new RegExp(m.pattern);
      reply({
        kind: 'counts',
        lines: held.map((h) => h.lines.filter((l) => pattern.test(l)).length),
        closed: held.filter((h) => h.closed).length,
      });
      return;
    }
    case 'close':
      for (const h of held) h.close();
      reply({ kind: 'closed' });
      process.disconnect();
      return;
  }
});
// Never outlive the test that forked this.
setTimeout(() => process.exit(3), 120_000).unref();
process.on('disconnect', () => process.exit(0));
