import { ConcurrencyPolicy, type CronJob, type CronRun } from '@berth/protocol';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';
import { parseTimeoutArg } from './run.js';

interface AddOptions extends CommonOptions {
  schedule: string;
  timeout?: number;
  concurrency?: ConcurrencyPolicy;
}

function parseConcurrency(value: string): ConcurrencyPolicy {
  const parsed = ConcurrencyPolicy.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('expected forbid, allow or replace');
  return parsed.data;
}

export function registerCron(program: Command, environment: CliEnvironment): void {
  const cron = program
    .command('cron')
    .description("an app's scheduled commands: each run a new container of its current release");
  withCommon(cron.command('add <app> <name> <cmd...>'))
    .description('run a command on a schedule (argv, no shell; put -- before it)')
    .requiredOption(
      '--schedule <expr>',
      'cron fields in UTC: "30 2 * * *", 6 fields with leading seconds ("*/10 * * * * *"), or @daily, @hourly…',
    )
    .option('--timeout <duration>', 'kill a run after this long (default 10m, at most 24h)', parseTimeoutArg)
    .option(
      '--concurrency <policy>',
      'when a run is due while one still runs: forbid (skip it, the default), allow, replace',
      parseConcurrency,
    )
    .addHelpText(
      'after',
      '\nExample: berth cron add web nightly --schedule "30 2 * * *" -- ./manage.py clearsessions',
    )
    .action(
      action(async (app: string, name: string, cmd: string[], opts: AddOptions) => {
        const job = await clientFor(environment, opts).addCronJob(app, {
          name,
          schedule: opts.schedule,
          command: cmd,
          ...(opts.timeout !== undefined && { timeoutSeconds: opts.timeout }),
          ...(opts.concurrency !== undefined && { concurrency: opts.concurrency }),
        });
        if (opts.json) return printJson(job);
        process.stdout.write(
          `Added cron job ${job.name} of ${job.app} (${job.schedule} UTC); next run ${job.nextRunAt ?? 'never'}\n`,
        );
      }),
    );
  withCommon(cron.command('list <app>'))
    .description("the app's jobs: schedule, command, policy, last and next run")
    .action(
      action(async (app: string, opts: CommonOptions) => {
        const jobs = await clientFor(environment, opts).listCronJobs(app);
        if (opts.json) return printJson({ jobs });
        if (jobs.length === 0) return void process.stdout.write(`${app} has no cron jobs\n`);
        printTable(jobs.map(jobRow), [
          'NAME',
          'SCHEDULE (UTC)',
          'COMMAND',
          'TIMEOUT',
          'CONCURRENCY',
          'LAST RUN',
          'NEXT RUN',
        ]);
      }),
    );
  withCommon(cron.command('runs <app> <name>'))
    .description(
      "a job's runs, newest first: status, exit code, duration; --json has each run's last lines of output",
    )
    .action(
      action(async (app: string, name: string, opts: CommonOptions) => {
        const runs = await clientFor(environment, opts).listCronRuns(app, name);
        if (opts.json) return printJson({ runs });
        if (runs.length === 0) return void process.stdout.write(`${name} has not run yet\n`);
        printTable(runs.map(runRow), ['SCHEDULED', 'STATUS', 'EXIT', 'DURATION', 'NOTE', 'LAST LINE']);
      }),
    );
  withCommon(cron.command('remove <app> <name>'))
    .description('remove a job and its history (a run in progress finishes)')
    .action(
      action(async (app: string, name: string, opts: CommonOptions) => {
        await clientFor(environment, opts).removeCronJob(app, name);
        if (opts.json) return printJson({ removed: name });
        process.stdout.write(`Removed cron job ${name} of ${app}\n`);
      }),
    );
}

const jobRow = (j: CronJob): string[] => [
  j.name,
  j.schedule,
  j.command.map((a) => JSON.stringify(a)).join(' '),
  `${j.timeoutSeconds}s`,
  j.concurrency,
  j.lastRunAt ?? '-',
  j.nextRunAt ?? 'never',
];

const runRow = (r: CronRun): string[] => [
  r.scheduledAt,
  r.status,
  r.exitCode === null ? '-' : String(r.exitCode),
  r.durationMs === null ? '-' : `${(r.durationMs / 1000).toFixed(1)}s`,
  r.note ?? '',
  r.logTail.at(-1) ?? '',
];
