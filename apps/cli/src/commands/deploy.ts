import type { Command } from 'commander';
import { followBuildLog } from '../cli/build-log.js';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import type { CliEnvironment } from '../cli/environment.js';
import { packForUpload } from '../cli/pack-dir.js';
import { gitRefOf } from '../cli/parse.js';

interface DeployOptions extends CommonOptions {
  image?: string;
  fromDir?: string;
  branch?: string;
  tag?: string;
  commit?: string;
  wait: boolean;
  idempotencyKey?: string;
}

export function registerDeploy(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('deploy <app>'))
    .description(
      'make a new release and roll it out, one replica at a time (building it first when the app has a git source); exits 0 once it is live, 2 if it failed',
    )
    .option('--image <ref>', "deploy this image (and keep it as the app's image)")
    .option(
      '--from-dir <dir>',
      'build and deploy this local directory (honours .gitignore and .dockerignore)',
    )
    .option('--branch <name>', "build this branch instead of the app's ref")
    .option('--tag <name>', "build this tag instead of the app's ref")
    .option('--commit <sha>', 'build this exact commit (full SHA)')
    .option('--no-wait', 'return once the deployment is queued')
    .option(
      '--idempotency-key <key>',
      'retrying with the same key returns the first deployment instead of making another',
    )
    .action(
      action(async (name: string, opts: DeployOptions) => {
        const client = clientFor(environment, opts);
        const ref = gitRefOf(opts);
        let d;
        if (opts.fromDir) {
          const { tar, files } = await packForUpload(opts.fromDir);
          if (!opts.json)
            process.stdout.write(
              `Uploading ${opts.fromDir} (${files} files, ${Math.ceil(tar.length / 1024)} KiB)\n`,
            );
          d = await client.deployUpload(name, tar, opts.idempotencyKey);
        } else if (ref) {
          d = await client.deployRef(name, ref, opts.idempotencyKey);
        } else {
          d = await client.deploy(name, opts.image, opts.idempotencyKey);
        }
        if (d.build && opts.wait && !opts.json) {
          process.stdout.write(
            `Build #${d.build.number} (follow it alone with: berth logs ${name} --build ${d.build.number} -f)\n`,
          );
          await followBuildLog(client, name, d.build.number, { json: false, follow: true });
        }
        const app = opts.json || !opts.wait ? null : await client.getApp(name);
        return finishDeployment(client, d, {
          wait: opts.wait,
          json: opts.json === true,
          ...(app && { appUrl: app.url }),
        });
      }),
    );
}
