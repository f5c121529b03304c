import type { BerthClient } from '@berth/client';
import { formatDuration } from '@berth/core';
import type { Deployment, DeploymentEvent } from '@berth/protocol';
import ora, { type Ora } from 'ora';
import { EXIT } from './exit-codes.js';
import { CliError, isTty } from './output.js';
import { isConnectionLoss, MAX_RECONNECTS, waitForBerthd } from './reconnect.js';

/**
 * Shows a deployment as it happens: each step on its own line with the time since the start,
 * and on a terminal a spinner on the step under way. Returns the deployment once it is over.
 * When berthd restarts meanwhile (the deployment goes on: its job is durable), it says so once,
 * waits for berthd and follows on from the last step it showed.
 */
export async function followDeployment(
  client: BerthClient,
  deployment: Deployment,
  quiet: boolean,
): Promise<Deployment> {
  // Elapsed times are the server's, from the deployment's creation: steps that happened while the
  // CLI was showing a build log (or before it connected) keep their real times.
  const started = Date.parse(deployment.createdAt) || Date.now();
  const show = quiet ? null : createStepPrinter(started);
  const notice = (text: string): void => {
    if (show) show.notice(text);
    else process.stderr.write(`${text}\n`);
  };
  const hint = `Follow it again: berth deployments show ${deployment.id} --follow`;
  let after = 0;
  let losses = 0;
  for (;;) {
    try {
      for await (const line of client.deploymentEvents(deployment.id, true, after)) {
        losses = 0;
        if (line.type === 'end') {
          show?.done(line.deployment);
          return line.deployment;
        }
        after = line.event.seq;
        show?.event(line.event);
      }
      // A follow ends with the deployment; a stream that stops before it lost berthd.
    } catch (err) {
      if (!isConnectionLoss(err)) throw err;
    }
    if (++losses > MAX_RECONNECTS)
      throw new CliError(
        `Lost berthd ${MAX_RECONNECTS} times in a row while following`,
        EXIT.unreachable,
        hint,
      );
    await waitForBerthd(client, { since: Date.now(), hint });
    notice('berthd restarted, following again');
  }
}

function createStepPrinter(started: number) {
  const tty = isTty();
  let spinner: Ora | null = null;
  const stamp = (at: string): string =>
    `[${formatDuration(Math.max(0, (Date.parse(at) || Date.now()) - started)).padStart(6)}]`;
  const settle = (ok: boolean): void => {
    if (!spinner) return;
    if (ok) spinner.succeed();
    else spinner.fail();
    spinner = null;
  };
  return {
    /** A line about the follow itself, between the steps (the spinner keeps its place). */
    notice(text: string) {
      spinner?.clear();
      process.stdout.write(`${text}\n`);
      spinner?.render();
    },
    event(e: DeploymentEvent) {
      const text = `${stamp(e.at)} ${e.message}`;
      if (!tty) {
        process.stdout.write(`${text}\n`);
        return;
      }
      settle(e.level !== 'error');
      if (e.level === 'error') {
        process.stdout.write(`  ${text}\n`);
        return;
      }
      spinner = ora({ text, stream: process.stdout }).start();
    },
    done(d: Deployment) {
      settle(d.status === 'succeeded');
      const total = formatDuration(Math.max(0, (Date.parse(d.finishedAt ?? '') || Date.now()) - started));
      const line =
        d.status === 'succeeded'
          ? `Deployment ${d.id} succeeded in ${total}: v${d.releaseVersion} is live`
          : `Deployment ${d.id} ${d.status} after ${total}${d.error ? `: ${d.error.code}` : ''}`;
      process.stdout.write(`${line}\n`);
    },
  };
}
