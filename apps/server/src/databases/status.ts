import type { App, Database } from '@berth/protocol';

/**
 * What `db show` says a database is doing, from its workload's view: a server that is not
 * connected wins (the database is not started elsewhere on an empty volume, so it waits for
 * its server), then a workload with a healthy replica is running.
 */
export function databaseStatus(app: App | null, serverOnline: boolean): Database['status'] {
  if (app === null) return 'stopped';
  if (!serverOnline) return 'server-down';
  const up = app.replicaStatus.some((r) => r.state === 'healthy' || r.state === 'serving');
  if (up && app.status !== 'failed') return 'running';
  switch (app.status) {
    case 'failed':
      return 'failed';
    case 'stopped':
      return 'stopped';
    case 'new':
    case 'deploying':
    case 'running':
      return 'starting';
  }
}
