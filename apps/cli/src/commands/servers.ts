import type { PendingJoin, ServerDetail } from '@berth/protocol';
import { InvalidArgumentError, type Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';

const LOOPBACK_URL = /^berth agent join https?:\/\/(?:127\.|localhost[:/]|\[::1\])/;

/** `--label zone=b`, repeatable: collected into one object. */
function collectLabel(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value, like zone=b');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

const labelsText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || '-';

const capacityText = (s: ServerDetail): string =>
  s.capacity ? `${s.capacity.cpuMillis / 1000} CPU, ${s.capacity.memoryMib} MiB` : '-';

const SERVER_COLUMNS = ['NAME', 'STATE', 'STATUS', 'LABELS', 'CAPACITY', 'AGENT', 'LAST SEEN'];
const serverRow = (s: ServerDetail): string[] => [
  s.pendingKey ? `${s.name} (new key pending)` : s.name,
  s.state,
  s.status,
  labelsText(s.labels),
  capacityText(s),
  s.agentVersion ?? '-',
  s.lastSeenAt ?? 'never',
];

function printServer(s: ServerDetail): void {
  const lines: [string, string][] = [
    ['name', s.name],
    ['id', s.id],
    ['state', s.state],
    ['status', s.status],
    ['labels', labelsText(s.labels)],
    ['capacity', capacityText(s)],
    ['agent', s.agentVersion ?? '-'],
    ['private ip', s.privateIp ?? '-'],
    ['last seen', s.lastSeenAt ?? 'never'],
    ['new key', s.pendingKey ? `pending: approve it with berth servers approve ${s.name}` : 'none'],
  ];
  for (const [k, v] of lines) process.stdout.write(`${`${k}:`.padEnd(12)}${v}\n`);
}

function printPending(pending: readonly PendingJoin[]): void {
  if (pending.length === 0) return;
  process.stdout.write('\nWaiting to join:\n');
  printTable(
    pending.map((p) => [p.name, labelsText(p.labels), p.expiresAt]),
    ['NAME', 'LABELS', 'TOKEN EXPIRES'],
  );
}

export function registerServers(program: Command, environment: CliEnvironment): void {
  const servers = program
    .command('servers')
    .description('the fleet: servers that run apps (installation owners add, drain and remove them)');

  withCommon(servers.command('add <name>'))
    .description('make a one-time join command for a new server (printed once; single use)')
    .option('--label <key=value>', 'a label apps can be constrained to (repeatable)', collectLabel)
    .option('--ttl <duration>', 'how long the join command is valid, up to 7d', '24h')
    .action(
      action(async (name: string, opts: CommonOptions & { label?: Record<string, string>; ttl: string }) => {
        const added = await clientFor(environment, opts).addServer({
          name,
          ttl: opts.ttl,
          ...(opts.label && { labels: opts.label }),
        });
        if (opts.json) return printJson(added);
        process.stdout.write(
          `On the new server, as root, run this once before ${added.expiresAt} (it works a single time and is shown only now):\n\n` +
            `  ${added.command}\n\n` +
            `Then: berth servers list   (${added.name} appears when its agent has joined)\n`,
        );
        if (LOOPBACK_URL.test(added.command))
          process.stderr.write(
            'Warning: that URL is loopback, which other servers cannot reach: start berth up with --api-host and --public-url\n',
          );
      }),
    );

  withCommon(servers.command('list'))
    .alias('ls')
    .description('servers with state, link status, labels, capacity, agent version and last contact')
    .action(
      action(async (opts: CommonOptions) => {
        const fleet = await clientFor(environment, opts).listFleet();
        if (opts.json) return printJson(fleet);
        printTable(fleet.servers.map(serverRow), SERVER_COLUMNS);
        printPending(fleet.pending);
      }),
    );

  withCommon(servers.command('show <name>'))
    .description('one server')
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const server = await clientFor(environment, opts).getServer(name);
        if (opts.json) return printJson(server);
        printServer(server);
      }),
    );

  withCommon(servers.command('remove <name>'))
    .alias('rm')
    .description('remove a server (its key is refused from then on) or withdraw its join command')
    .action(
      action(async (name: string, opts: CommonOptions) => {
        await clientFor(environment, opts).removeServer(name);
        if (opts.json) return printJson({ removed: name });
        process.stdout.write(`Removed ${name}: its agent is disconnected and its key refused from now on\n`);
      }),
    );

  withCommon(servers.command('label <name> <changes...>'))
    .description('set labels (key=value) and remove them (key-), e.g. berth servers label web-2 zone=b role-')
    .action(
      action(async (name: string, changes: string[], opts: CommonOptions) => {
        const unset = changes.filter((c) => c.endsWith('-') && !c.includes('=')).map((c) => c.slice(0, -1));
        const set = changes
          .filter((c) => !(c.endsWith('-') && !c.includes('=')))
          .reduce<Record<string, string>>((all, c) => collectLabel(c, all), {});
        const server = await clientFor(environment, opts).patchServerLabels(name, { set, unset });
        if (opts.json) return printJson(server);
        process.stdout.write(`${server.name}: ${labelsText(server.labels)}\n`);
      }),
    );

  const change = (
    verb: 'approve' | 'drain' | 'undrain',
    description: string,
    done: (s: ServerDetail) => string,
  ): void => {
    withCommon(servers.command(`${verb} <name>`))
      .description(description)
      .action(
        action(async (name: string, opts: CommonOptions) => {
          const client = clientFor(environment, opts);
          const server =
            verb === 'approve'
              ? await client.approveServer(name)
              : verb === 'drain'
                ? await client.drainServer(name)
                : await client.undrainServer(name);
          if (opts.json) return printJson(server);
          process.stdout.write(`${done(server)}\n`);
        }),
      );
  };
  change(
    'approve',
    'make the new key that claimed a server its key (a paused server becomes active)',
    (s) => `Approved the new key of ${s.name} (now ${s.state}): its agent connects on its next try`,
  );
  change(
    'drain',
    'give a server nothing new (placement moves its replicas away)',
    (s) => `${s.name} is ${s.state}`,
  );
  change(
    'undrain',
    'put a drained server back to active (a paused one keeps its old key and forgets the new one)',
    (s) => `${s.name} is ${s.state}`,
  );
}
