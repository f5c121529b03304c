import type { App, Server } from '../api/paths.js';
import { StatusBadge } from '../apps/StatusBadge.js';
import { Age, useNow } from '../apps/Time.js';
import { formatCapacity, replicasByServer, serverHealth } from './server-listing.js';

/** The overview's fleet: each server's health, capacity and the user's replicas on it. */
export function ServersTable({ servers, apps }: { servers: readonly Server[]; apps: readonly App[] }) {
  const now = useNow();
  const replicas = replicasByServer(apps);
  return (
    <section aria-labelledby="servers-title">
      <h2 id="servers-title">Servers</h2>
      <div className="table-scroll" role="region" aria-label="Servers" tabIndex={0}>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Health</th>
              <th scope="col">Capacity</th>
              <th scope="col">Your replicas</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {servers.map((s) => {
              const health = serverHealth(s);
              return (
                <tr key={s.id}>
                  <th scope="row">{s.name}</th>
                  <td>
                    <StatusBadge status={health.word} tone={health.tone} />
                  </td>
                  <td>{formatCapacity(s.capacity) ?? <span className="muted">not reported</span>}</td>
                  <td className="num">{replicas.get(s.name) ?? 0}</td>
                  <td>
                    {s.status === 'online' ? (
                      'now'
                    ) : s.lastSeenAt ? (
                      <Age iso={s.lastSeenAt} now={now} />
                    ) : (
                      <span className="muted">never</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
