import type { BerthClient } from '@berth/client';
import type { Build } from '@berth/protocol';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';
import { isConnectionLoss, MAX_RECONNECTS, waitForBerthd } from './reconnect.js';

/**
 * Prints a build's log as it is written (each line as the builder prints it, under a gutter so
 * it reads apart from Berth's own steps) and returns the build once it ended. When berthd
 * restarts meanwhile (the build goes on, on the agent), it says so, waits for berthd and resumes
 * after the last line seen, so a dropped connection neither loses nor repeats lines.
 */
export async function followBuildLog(
  client: BerthClient,
  app: string,
  number: number,
  opts: { json: boolean; follow: boolean; signal?: AbortSignal },
): Promise<Build | null> {
  let after = 0;
  let losses = 0;
  const hint = `Follow it again: berth logs ${app} --build ${number} --follow`;
  for (;;) {
    try {
      for await (const l of client.buildLog(app, number, {
        follow: opts.follow,
        after,
        ...(opts.signal && { signal: opts.signal }),
      })) {
        losses = 0;
        if (l.type === 'end') return l.build;
        after = l.line.seq;
        if (opts.json) process.stdout.write(`${JSON.stringify(l.line)}\n`);
        else process.stdout.write(`  │ ${l.line.line}\n`);
      }
      if (!opts.follow) return null;
      // A follow ends with the build's end line; a stream that stops before it lost berthd.
    } catch (err) {
      if (opts.signal?.aborted) return null;
      if (!isConnectionLoss(err)) throw err;
    }
    if (++losses > MAX_RECONNECTS)
      throw new CliError(
        `Lost berthd ${MAX_RECONNECTS} times in a row while following`,
        EXIT.unreachable,
        hint,
      );
    try {
      await waitForBerthd(client, { since: Date.now(), hint }, opts.signal ? { signal: opts.signal } : {});
    } catch (err) {
      if (opts.signal?.aborted) return null;
      throw err;
    }
    (opts.json ? process.stderr : process.stdout).write('berthd restarted, following again\n');
  }
}
