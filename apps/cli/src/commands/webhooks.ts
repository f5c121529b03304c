import type { WebhookInfo } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson } from '../cli/output.js';

export function registerWebhooks(program: Command, environment: CliEnvironment): void {
  const webhooks = program.command('webhooks').description('push webhooks that build and deploy an app');
  withCommon(webhooks.command('show <app>'))
    .description(
      'the URL and secret to paste into GitHub (Settings → Webhooks, content type application/json)',
    )
    .action(
      action(async (name: string, opts: CommonOptions) => {
        print(await clientFor(environment, opts).webhook(name), opts.json === true);
      }),
    );
  withCommon(webhooks.command('rotate <app>'))
    .description('make a new secret; deliveries signed with the old one are refused from now on')
    .action(
      action(async (name: string, opts: CommonOptions) => {
        print(await clientFor(environment, opts).rotateWebhook(name), opts.json === true);
      }),
    );
}

function print(info: WebhookInfo, json: boolean): void {
  if (json) return printJson({ url: info.github, ...info });
  process.stdout.write(
    [
      `URL (GitHub):   ${info.github}`,
      `URL (generic):  ${info.generic}`,
      `Secret:         ${info.secret}`,
      `Deploys on:     ${info.branch ? `pushes to ${info.branch}` : 'pushes to the tracked ref'}`,
      'GitHub: Settings → Webhooks → Add webhook; content type application/json; events: just the push event.',
      '',
    ].join('\n'),
  );
}
