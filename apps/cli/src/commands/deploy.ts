import type { App, GitRef } from '@berth/protocol';
import type { Command } from 'commander';
import { followBuildLog } from '../cli/build-log.js';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import type { CliEnvironment } from '../cli/environment.js';
import { packForUpload } from '../cli/pack-dir.js';
import { resolveConnection } from '../cli/connection.js';
import { gitRefOf } from '../cli/parse.js';
import { submitOnce, withIdempotencyKey } from '../cli/submit.js';
import { inspectWorkingTree, localRepoPath, workingTreeWarning } from '../cli/working-tree.js';

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
  const deploy = withCommon(program.command('deploy <app>'))
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
    .option('--no-wait', 'return once the deployment is queued');
  withIdempotencyKey(deploy).action(
    action(async (name: string, opts: DeployOptions) => {
      const client = clientFor(environment, opts);
      const ref = gitRefOf(opts);
      // First: an unknown name fails here (with a suggestion), before anything is uploaded.
      const app = await client.getApp(name);
      if (!opts.image && !opts.fromDir) await warnAboutWorkingTree(app, ref, environment, opts);
      const upload = opts.fromDir ? await packForUpload(opts.fromDir) : null;
      if (upload && !opts.json)
        process.stdout.write(
          `Uploading ${opts.fromDir} (${upload.files} files, ${Math.ceil(upload.tar.length / 1024)} KiB)\n`,
        );
      const d = await submitOnce(
        client,
        (key) =>
          upload
            ? client.deployUpload(name, upload.tar, key)
            : ref
              ? client.deployRef(name, ref, key)
              : client.deploy(name, opts.image, key),
        { app: name, idempotencyKey: opts.idempotencyKey, json: opts.json === true },
      );
      if (d.build && opts.wait && !opts.json) {
        process.stdout.write(
          `Build #${d.build.number} (follow it alone with: berth logs ${name} --build ${d.build.number} -f)\n`,
        );
        await followBuildLog(client, name, d.build.number, { json: false, follow: true });
      }
      return finishDeployment(client, d, {
        wait: opts.wait,
        json: opts.json === true,
        appUrl: app.url,
      });
    }),
  );
}

/** A git app built from a local working tree with uncommitted changes: say what is built. */
async function warnAboutWorkingTree(
  app: App,
  ref: GitRef | undefined,
  environment: CliEnvironment,
  opts: DeployOptions,
): Promise<void> {
  const path = localRepoPath(app.source, resolveConnection(opts, environment).url);
  const deployed = ref ?? app.source?.ref;
  if (!path || !deployed) return;
  const state = await inspectWorkingTree(path, deployed);
  const warning = state && workingTreeWarning(state);
  if (warning) process.stderr.write(`${warning}\n`);
}
