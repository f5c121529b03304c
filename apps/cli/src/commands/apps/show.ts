import { formatLimits, type App } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../../cli/command.js';
import { printJson, printTable } from '../../cli/output.js';
import type { CliEnvironment } from '../../cli/environment.js';
import { describeHealth } from './health-options.js';
import { printWarnings } from './warnings.js';

export function registerAppsShow(apps: Command, environment: CliEnvironment): void {
  withCommon(apps.command('show <name>'))
    .description('show an app: its spec, current release and replicas')
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const app = await clientFor(environment, opts).getApp(name);
        if (opts.json) return printJson(app);
        printApp(app);
      }),
    );
}

function printApp(app: App): void {
  const r = app.currentRelease;
  const h = app.health;
  const lines = [
    ['name', app.name],
    ['status', app.status],
    ['url', app.url],
    ['image', app.image],
    ['release', r ? `v${r.version} (${r.image}, ${r.imageId?.slice(0, 19) ?? 'unresolved'})` : 'none yet'],
    ['port', String(app.port)],
    ['replicas', String(app.replicas)],
    ['limits', `${formatLimits(app.limits)} per replica`],
    ['placement', app.constraints?.length ? app.constraints.join(', ') : 'any server'],
    ['volumes', app.volumes?.length ? app.volumes.map((v) => `${v.volume}:${v.path}`).join(', ') : '(none)'],
    ['strategy', app.strategy ?? 'rolling'],
    ['health', describeHealth(h)],
    ['command', app.command ? app.command.join(' ') : '(image default)'],
    ['env', Object.keys(app.env).join(', ') || '(none)'],
  ];
  for (const [k, v] of lines) process.stdout.write(`${(k ?? '').padEnd(10)} ${v ?? ''}\n`);
  printWarnings(app.warnings);
  if (app.replicaStatus.length > 0) {
    process.stdout.write('\n');
    printTable(
      app.replicaStatus.map((x) => [
        x.name,
        x.state,
        x.releaseVersion === null ? '?' : `v${x.releaseVersion}`,
        x.server,
      ]),
      ['REPLICA', 'STATE', 'RELEASE', 'SERVER'],
    );
  }
}
