import type { Domain } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';
import { EXIT } from '../cli/exit-codes.js';

interface AddOptions extends CommonOptions {
  redirectFrom: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerDomains(program: Command, environment: CliEnvironment): void {
  const domains = program
    .command('domains')
    .description(
      "an app's custom domains: served on every server, over HTTPS once a certificate covers them",
    );
  withCommon(domains.command('add <app> <domain>'))
    .description('serve the app on DOMAIN too (Unicode names are stored in their xn-- form)')
    .option(
      '--redirect-from <name>',
      'a name that redirects (308) to DOMAIN, e.g. www.example.com (repeatable)',
      collect,
      [],
    )
    .action(
      action(async (app: string, name: string, opts: AddOptions) => {
        const added = await clientFor(environment, opts).addDomain(app, {
          name,
          ...(opts.redirectFrom.length > 0 && { redirectFrom: opts.redirectFrom }),
        });
        if (opts.json) return printJson({ domains: added });
        for (const d of added)
          process.stdout.write(
            d.kind === 'primary'
              ? `${d.name} now serves ${app} (certificate: ${d.status})\n`
              : `${d.name} redirects to ${d.redirectTo ?? '?'}\n`,
          );
      }),
    );
  withCommon(domains.command('list <app>'))
    .description(
      'name, kind (primary|redirect|default), status (pending|issued|failed|renewing), issuer, expiry and the last error',
    )
    .action(
      action(async (app: string, opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listDomains(app);
        if (opts.json) return printJson({ domains: list });
        if (list.length === 0) return void process.stdout.write(`${app} has no custom domains\n`);
        printTable(list.map(row), [
          'NAME',
          'KIND',
          'STATUS',
          'ISSUER',
          'EXPIRES',
          'REDIRECTS TO',
          'LAST ERROR',
        ]);
      }),
    );
  withCommon(domains.command('check <app> <domain>'))
    .description('does its DNS point here, does a challenge reach an edge, what did the CA say last')
    .action(
      action(async (app: string, name: string, opts: CommonOptions) => {
        const c = await clientFor(environment, opts).checkDomain(app, name);
        if (opts.json) printJson(c);
        else {
          const lines = [
            `${c.name}: certificate ${c.status}`,
            `DNS:        ${c.dns.addresses.length > 0 ? c.dns.addresses.join(', ') : (c.dns.error ?? 'no records')}`,
            `challenge:  ${c.challenge.reachable ? 'reachable' : 'NOT reachable'}: ${c.challenge.detail}`,
            `CA said:    ${c.lastError ?? '-'}`,
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        // Exit 1 when a CA could not reach the challenge now: scripts can wait on it.
        return c.challenge.reachable ? EXIT.ok : EXIT.userError;
      }),
    );
  withCommon(domains.command('renew <app> <domain>'))
    .description(
      "order the domain's certificate again now (with --acme-email); domains list shows how it went",
    )
    .action(
      action(async (app: string, name: string, opts: CommonOptions) => {
        const d = await clientFor(environment, opts).renewDomain(app, name);
        if (opts.json) return printJson(d);
        const primary = d.kind === 'primary' ? d.name : (d.redirectTo ?? d.name);
        process.stdout.write(
          `Ordering a certificate for ${primary} again: berth domains list ${app} shows how it went\n`,
        );
      }),
    );
  withCommon(domains.command('remove <app> <domain>'))
    .description('stop serving the app on DOMAIN (and on the names that redirect to it)')
    .action(
      action(async (app: string, name: string, opts: CommonOptions) => {
        const removed = await clientFor(environment, opts).removeDomain(app, name);
        if (opts.json) return printJson({ removed });
        process.stdout.write(`Removed ${removed.join(', ')} from ${app}\n`);
      }),
    );
}

const row = (d: Domain): string[] => [
  d.name,
  d.kind,
  d.status,
  d.issuer ?? '-',
  d.expiresAt ?? '-',
  d.redirectTo ?? '-',
  d.lastError ?? '-',
];
