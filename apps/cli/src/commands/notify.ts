import { SubscribableEvent, type NotificationChannel, type NotificationDelivery } from '@berth/protocol';
import { InvalidArgumentError, type Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError, printJson, printTable } from '../cli/output.js';

interface AddOptions extends CommonOptions {
  webhook: string;
  events?: SubscribableEvent[];
  name?: string;
  team?: string;
  allowPrivate?: boolean;
}

interface TeamOptions extends CommonOptions {
  team?: string;
}

/** `--events a,b`: each one an event a channel can subscribe to. */
function parseEvents(value: string): SubscribableEvent[] {
  const events = value.split(',').map((e) => e.trim());
  for (const e of events)
    if (!SubscribableEvent.safeParse(e).success)
      throw new InvalidArgumentError(
        `"${e}" is not an event; one of: ${SubscribableEvent.options.join(', ')}`,
      );
  return events as SubscribableEvent[];
}

export function registerNotify(program: Command, environment: CliEnvironment): void {
  const notify = program
    .command('notify')
    .description(
      "a team's notification webhooks: signed JSON for failures (deploys, backups, cron, certificates)",
    );
  withCommon(notify.command('add'))
    .description('add a webhook; prints its signing secret, shown this once')
    .requiredOption(
      '--webhook <url>',
      'where to POST events (http or https; public addresses only unless --allow-private)',
    )
    .option(
      '--events <list>',
      `only these events, comma-separated (default: all): ${SubscribableEvent.options.join(', ')}`,
      parseEvents,
    )
    .option('--name <name>', 'a name for it in lists')
    .option('--team <team>', 'the team whose events it gets (default: yours)')
    .option(
      '--allow-private',
      'let it reach loopback, private and link-local addresses (installation owners only)',
    )
    .action(
      action(async (opts: AddOptions) => {
        const created = await clientFor(environment, opts).createNotificationChannel({
          url: opts.webhook,
          ...(opts.events && { events: opts.events }),
          ...(opts.name && { name: opts.name }),
          ...(opts.team && { team: opts.team }),
          ...(opts.allowPrivate && { allowPrivate: true }),
        });
        if (opts.json) return printJson(created);
        const c = created.channel;
        process.stdout.write(
          [
            `Added webhook ${c.id} for team ${c.team}: ${c.url}`,
            `Events: ${c.events === null ? 'all' : c.events.join(', ')}`,
            `Signing secret (shown only now; verify the Berth-Signature header with it):`,
            `  ${created.secret}`,
            `Try it: berth notify test ${c.id}`,
            '',
          ].join('\n'),
        );
      }),
    );
  withCommon(notify.command('list'))
    .description('the webhooks of the teams you manage (never their secrets)')
    .action(
      action(async (opts: CommonOptions) => {
        const channels = await clientFor(environment, opts).listNotificationChannels();
        if (opts.json) return printJson({ channels });
        if (channels.length === 0) return void process.stdout.write('No notification webhooks\n');
        printTable(channels.map(channelRow), ['ID', 'NAME', 'TEAM', 'URL', 'EVENTS']);
      }),
    );
  withCommon(notify.command('remove <id>'))
    .description('remove a webhook and its delivery history')
    .option('--team <team>', 'the team it belongs to (default: yours)')
    .action(
      action(async (id: string, opts: TeamOptions) => {
        await clientFor(environment, opts).deleteNotificationChannel(id, opts.team);
        if (opts.json) return printJson({ removed: id });
        process.stdout.write(`Removed webhook ${id}\n`);
      }),
    );
  withCommon(notify.command('test <id>'))
    .description(
      'send a notification.test event now and show what the webhook answered (exit 1 if not delivered)',
    )
    .option('--team <team>', 'the team it belongs to (default: yours)')
    .action(
      action(async (id: string, opts: TeamOptions) => {
        const d = await clientFor(environment, opts).testNotificationChannel(id, opts.team);
        if (opts.json) printJson(d);
        else process.stdout.write(`${describe(d)}\n`);
        if (d.status !== 'delivered')
          throw new CliError(`Not delivered: ${d.lastError ?? 'no answer'}`, EXIT.userError);
      }),
    );
  withCommon(notify.command('deliveries'))
    .description('what was sent to your webhooks, newest first: event, status, attempts, last error')
    .option('--limit <n>', 'at most this many (default 50)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError('must be 1-500');
      return n;
    })
    .action(
      action(async (opts: CommonOptions & { limit?: number }) => {
        const deliveries = await clientFor(environment, opts).listNotificationDeliveries(opts.limit);
        if (opts.json) return printJson({ deliveries });
        if (deliveries.length === 0) return void process.stdout.write('No deliveries yet\n');
        printTable(deliveries.map(deliveryRow), [
          'WHEN',
          'CHANNEL',
          'EVENT',
          'SUBJECT',
          'STATUS',
          'ATTEMPTS',
          'LAST ERROR',
        ]);
      }),
    );
}

const channelRow = (c: NotificationChannel): string[] => [
  c.id,
  c.name ?? '-',
  c.team,
  c.url,
  c.events === null ? 'all' : c.events.join(','),
];

const deliveryRow = (d: NotificationDelivery): string[] => [
  d.createdAt,
  d.channel,
  d.type,
  d.subject,
  d.status,
  String(d.attempts),
  d.lastError ?? '-',
];

function describe(d: NotificationDelivery): string {
  const answer = d.lastStatus === null ? 'no answer' : `HTTP ${d.lastStatus}`;
  return d.status === 'delivered'
    ? `Delivered ${d.type} to ${d.channel} (${answer}); delivery ${d.id}`
    : `Not delivered to ${d.channel}: ${d.lastError ?? answer}`;
}
