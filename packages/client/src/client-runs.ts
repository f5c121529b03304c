import {
  CronJob,
  CronJobList,
  CronRunList,
  RunStreamLine,
  type CronJobCreate,
  type RunCreate,
} from '@berth/protocol';
import type { Transport } from './transport.js';

const app = (name: string): string => `/apps/${encodeURIComponent(name)}`;
const job = (appName: string, name: string): string => `${app(appName)}/cron/${encodeURIComponent(name)}`;

/** One-off runs (`berth run`) and cron jobs (`berth cron`), issue 12. */
export function runsApi({ json, call, lines }: Transport) {
  return {
    /** Starts a one-off run: its started line, output lines as they come, then exit (or error). */
    async *run(name: string, body: RunCreate, signal?: AbortSignal): AsyncGenerator<RunStreamLine> {
      const res = await call('POST', `${app(name)}/run`, body, {}, { signal });
      for await (const line of lines(res, signal)) yield RunStreamLine.parse(line);
    },
    listCronJobs: async (appName: string) => (await json(CronJobList, 'GET', `${app(appName)}/cron`)).jobs,
    addCronJob: (appName: string, body: CronJobCreate) => json(CronJob, 'POST', `${app(appName)}/cron`, body),
    removeCronJob: async (appName: string, name: string) => {
      await call('DELETE', job(appName, name));
    },
    listCronRuns: async (appName: string, name: string) =>
      (await json(CronRunList, 'GET', `${job(appName, name)}/runs`)).runs,
  };
}
