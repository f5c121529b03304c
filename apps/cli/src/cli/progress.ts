import type { BerthClient } from '@berth/client';
import { formatDuration } from '@berth/core';
import type { Deployment, DeploymentEvent } from '@berth/protocol';
import ora, { type Ora } from 'ora';
import { isTty } from './output.js';

/**
 * Shows a deployment as it happens: each step on its own line with the time since the start,
 * and on a terminal a spinner on the step under way. Returns the deployment once it is over.
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
  let final: Deployment = deployment;
  for await (const line of client.deploymentEvents(deployment.id, true)) {
    if (line.type === 'event') show?.event(line.event);
    else final = line.deployment;
  }
  show?.done(final);
  return final;
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
