import { createHash } from 'node:crypto';
import { meshMembers, type MeshCandidate } from '@berth/core';
import type { DesiredState, MeshSpec } from '@berth/protocol';
import type { ServerRow } from '@berth/store';

/** The fleet's mesh as every member is sent it, serialized once. */
export interface FleetMesh {
  spec: MeshSpec;
  /** `spec` as JSON: spliced into each member's desired-state message as it is. */
  json: string;
  memberIds: ReadonlySet<string>;
}

const built = new WeakMap<readonly ServerRow[], FleetMesh | null>();

/**
 * The mesh of the servers `rows` (null: no member). Memoized per read of the servers: a push to
 * every server builds it once, and single pushes share the read of the last second (see
 * fleet-pushes.ts) and so the mesh.
 */
export function fleetMeshOf(rows: readonly ServerRow[], subnet: string): FleetMesh | null {
  const known = built.get(rows);
  if (known !== undefined) return known;
  const members = meshMembers(rows.map(toMeshCandidate));
  const mesh =
    members.length === 0
      ? null
      : ((): FleetMesh => {
          const signature = createHash('sha256')
            .update(JSON.stringify([subnet, members]))
            .digest('base64url')
            .slice(0, 22);
          const spec: MeshSpec = { subnet, members, signature };
          return { spec, json: JSON.stringify(spec), memberIds: new Set(members.map((m) => m.id)) };
        })();
  built.set(rows, mesh);
  return mesh;
}

/**
 * The `desired` message for server `serverId`: with the mesh when it is a member whose agent does
 * not report holding this one (`holds`), with only its signature when it does. The members list
 * is the same text for every server, so it is spliced in rather than serialized a thousand times.
 */
export function desiredMessageText(
  state: DesiredState,
  serverId: string,
  mesh: FleetMesh | null,
  holds: string | null | undefined,
): string {
  if (!mesh?.memberIds.has(serverId)) return JSON.stringify({ type: 'desired', state });
  if (holds === mesh.spec.signature)
    return JSON.stringify({ type: 'desired', state: { ...state, meshKept: mesh.spec.signature } });
  const text = JSON.stringify({ type: 'desired', state });
  // `{"type":"desired","state":{…}}`: the state's object closes just before the message's.
  return `${text.slice(0, -2)},"mesh":${mesh.json}}}`;
}

export const toMeshCandidate = (s: ServerRow): MeshCandidate => ({
  id: s.id,
  removed: s.state === 'removed',
  publicKey: s.mesh?.publicKey ?? null,
  endpoint: s.mesh?.endpoint ?? null,
  meshIp: s.meshIp,
});
