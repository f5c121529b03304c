import type { BerthClient } from '@berth/client';
import type { Deployment } from '@berth/protocol';
import { EXIT } from './exit-codes.js';
import { printJson } from './output.js';
import { followDeployment } from './progress.js';

/**
 * The end of every command that starts a deployment: with --no-wait, say it is queued; else
 * follow it to the end. Exit 0 once the release is live (or the deployment was ignored, changing
 * nothing); 2 when the deployment failed.
 */
export async function finishDeployment(
  client: BerthClient,
  deployment: Deployment,
  opts: { wait: boolean; json: boolean; appUrl?: string },
): Promise<number> {
  if (!opts.wait) {
    if (opts.json) printJson(deployment);
    else
      process.stdout.write(
        `Deployment ${deployment.id} queued (v${deployment.releaseVersion}); follow it with: berth deployments show ${deployment.id}\n`,
      );
    return EXIT.ok;
  }
  const final = await followDeployment(client, deployment, opts.json);
  if (opts.json) printJson(final);
  if (final.status === 'succeeded') {
    if (!opts.json && opts.appUrl) process.stdout.write(`${opts.appUrl}\n`);
    return EXIT.ok;
  }
  // Ignored on purpose (a webhook's commit was no longer the tip): nothing failed, nothing changed.
  if (final.status === 'ignored') {
    if (!opts.json && final.error) process.stdout.write(`ignored: ${final.error.message}\n`);
    return EXIT.ok;
  }
  if (!opts.json && final.error) {
    process.stderr.write(`error: ${final.error.message}\n`);
    if (final.error.logs.length > 0) {
      process.stderr.write('last log lines:\n');
      for (const l of final.error.logs) process.stderr.write(`  ${l}\n`);
    }
  }
  return EXIT.deployFailed;
}
