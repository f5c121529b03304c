import type { PlacementApp, PlacementServer } from './types.js';

/**
 * The build plane: servers labelled `role=build` run builds (the gateway sends builds there), and
 * when the fleet also has servers without that label, they run no app replicas: a build's load
 * (a compiler using every core) never competes with serving. An app that names `role` in its own
 * constraints decides for itself; a fleet of build servers only runs its apps on them.
 */
export const BUILD_ROLE = { key: 'role', value: 'build' } as const;

const isBuildServer = (s: PlacementServer): boolean => s.labels[BUILD_ROLE.key] === BUILD_ROLE.value;

/** The apps as placed: `role!=build` added where the fleet keeps its build servers apart. */
export function withBuildPlaneApart(
  apps: readonly PlacementApp[],
  servers: readonly PlacementServer[],
): PlacementApp[] {
  const apart = servers.some(isBuildServer) && servers.some((s) => !isBuildServer(s));
  return apps.map((app) =>
    !apart || app.constraints.some((c) => c.key === BUILD_ROLE.key)
      ? app
      : {
          ...app,
          constraints: [...app.constraints, { key: BUILD_ROLE.key, op: '!=', value: BUILD_ROLE.value }],
        },
  );
}
