import type { App } from '../api/paths.js';
import { useServers } from '../api/queries.js';
import { showsFleet } from './server-listing.js';
import { ServersTable } from './ServersTable.js';

/**
 * The servers under the apps, once there is more than one. Any signed-in principal may list them
 * (GET /servers); while the listing fails the section stays away rather than warn about a table
 * that a one-server install never shows.
 */
export function FleetSection({ apps }: { apps: readonly App[] }) {
  const servers = useServers();
  return showsFleet(servers.data) ? <ServersTable servers={servers.data} apps={apps} /> : null;
}
