import {
  CronJob,
  CronJobList,
  CronRunList,
  RunStreamLine,
  type CronJobCreate,
  type RunCreate,
} from '@berth/protocol';
import type { Transport } from './transport.js';

const app = (name: string) => ({ path: { app: name } });
const job = (appName: string, name: string) => ({ path: { app: appName, name } });

/** One-off runs (`berth run`) and cron jobs (`berth cron`), issue 12. */
export function runsApi({ json, call, lines }: Transport) {
  return {
    /** Starts a one-off run: its started line, output lines as they come, then exit (or error). */
    async *run(name: string, body: RunCreate, signal?: AbortSignal): AsyncGenerator<RunStreamLine> {
      const res = await call('POST', '/apps/{app}/run', { ...app(name), body, stream: { signal } });
      for await (const line of lines(res, signal)) yield RunStreamLine.parse(line);
    },
    listCronJobs: async (appName: string) =>
      (await json(CronJobList, 'GET', '/apps/{app}/cron', app(appName))).jobs,
    addCronJob: (appName: string, body: CronJobCreate) =>
      json(CronJob, 'POST', '/apps/{app}/cron', { ...app(appName), body }),
    removeCronJob: async (appName: string, name: string) => {
      await call('DELETE', '/apps/{app}/cron/{name}', job(appName, name));
    },
    listCronRuns: async (appName: string, name: string) =>
      (await json(CronRunList, 'GET', '/apps/{app}/cron/{name}/runs', job(appName, name))).runs,
  };
}
