import type { BerthClient } from '@berth/client';
import type { Build } from '@berth/protocol';

/**
 * Prints a build's log as it is written (each line as the builder prints it, under a gutter so
 * it reads apart from Berth's own steps) and returns the build once it ended. Reconnects resume
 * after the last line seen, so a dropped connection neither loses nor repeats lines.
 */
export async function followBuildLog(
  client: BerthClient,
  app: string,
  number: number,
  opts: { json: boolean; follow: boolean; signal?: AbortSignal },
): Promise<Build | null> {
  let after = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      for await (const l of client.buildLog(app, number, {
        follow: opts.follow,
        after,
        ...(opts.signal && { signal: opts.signal }),
      })) {
        if (l.type === 'end') return l.build;
        after = l.line.seq;
        if (opts.json) process.stdout.write(`${JSON.stringify(l.line)}\n`);
        else process.stdout.write(`  │ ${l.line.line}\n`);
      }
      return null;
    } catch (err) {
      if (opts.signal?.aborted) return null;
      if (attempt === 4) throw err;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
  return null;
}
