import { BASE_IMAGE_KIND_NAMES, BaseImageKindName, type ImagesBootstrapResult } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError, printJson, printTable } from '../cli/output.js';

interface BootstrapOptions extends CommonOptions {
  only?: string;
  force?: boolean;
}

export function registerImages(program: Command, environment: CliEnvironment): void {
  const images = program.command('images').description('base images for builds from source');
  withCommon(images.command('bootstrap'))
    .description(
      'build the base images of detected builds on the server from Debian packages, for hosts without a registry (minutes the first time; up to date ones are kept)',
    )
    .option('--only <kinds>', `comma-separated subset of ${BASE_IMAGE_KIND_NAMES.join(',')}`)
    .option('--force', 'rebuild even when up to date')
    .action(
      action(async (opts: BootstrapOptions) => {
        const only = opts.only?.split(',').map((k) => {
          const parsed = BaseImageKindName.safeParse(k.trim());
          if (!parsed.success)
            throw new CliError(
              `--only: "${k}" is not one of ${BASE_IMAGE_KIND_NAMES.join(', ')}`,
              EXIT.userError,
            );
          return parsed.data;
        });
        const started = Date.now();
        let result: ImagesBootstrapResult | null = null;
        for await (const l of clientFor(environment, opts).bootstrapImages({
          ...(only && { only }),
          ...(opts.force && { force: true }),
        })) {
          if (l.type === 'line' && !opts.json) process.stdout.write(`  │ ${l.line}\n`);
          if (l.type === 'error') throw new CliError(l.error.message, EXIT.userError, l.error.hint);
          if (l.type === 'end') result = l.result;
        }
        if (!result) throw new CliError('The bootstrap ended without a result', EXIT.internal);
        if (opts.json) return printJson(result);
        printTable(
          result.images.map((i) => [
            i.kind,
            i.ref,
            i.status,
            i.imageId.slice(7, 19),
            `${i.seconds.toFixed(1)}s`,
          ]),
          ['KIND', 'IMAGE', 'STATUS', 'ID', 'TIME'],
        );
        process.stdout.write(`Done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
      }),
    );
}
