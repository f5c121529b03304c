import type { Store } from '@berth/store';
import { KeyedFeed } from '../events/keyed-feed.js';

/**
 * Wakes whoever follows a deployment (the CLI's `deploy --follow`, the dashboard) when the store
 * commits a change to it or an event of it, so a step reaches a follower as soon as it is
 * written, and a follower costs nothing while nothing happens (it used to read the database
 * every 150 ms). Every write goes through this berthd's store, so nothing is missed; the
 * follower still reads from the database, which stays the one source of what happened.
 */
export class DeploymentFeed extends KeyedFeed {
  constructor(store: Pick<Store, 'onDeploymentsCommitted'>) {
    super();
    store.onDeploymentsCommitted((ids) => this.wake(ids));
  }
}
