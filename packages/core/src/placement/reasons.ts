import type { PlacementConstraint, UnplaceableReason, UnplacedSlot } from './types.js';

const formatMiB = (mib: number): string => (mib > 0 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`);

const formatCpu = (cpu: number): string => `${Number(cpu.toFixed(3))} CPU`;

export const formatConstraint = (c: PlacementConstraint): string => `${c.key}${c.op}${c.value}`;

/** The reason as a sentence a person can act on: what the replica needs and what the fleet has. */
export function describeUnplaceable(reason: UnplaceableReason): string {
  switch (reason.kind) {
    case 'no-servers':
      return 'there are no servers';
    case 'no-ready-server':
      return `no server is ready (${reason.notReady.map((s) => `${s.server} is ${s.status}`).join(', ')})`;
    case 'constraints':
      return (
        `no ready server matches ${reason.constraints.map(formatConstraint).join(', ')}` +
        (reason.constraints.some((c) => c.key === 'role' && c.op === '!=' && c.value === 'build')
          ? ' (servers labelled role=build run only builds while the fleet has others)'
          : '')
      );
    case 'memory':
      return `needs ${formatMiB(reason.needMiB)} memory per replica, the most free is ${formatMiB(reason.mostFree.freeMiB)} on ${reason.mostFree.server}`;
    case 'pinned':
      return reason.status === 'gone'
        ? `it must run where its ${reason.because} lives, and that server (${reason.server}) is no longer in the fleet`
        : `it must run on ${reason.server}, where its ${reason.because} lives, and ${reason.server} is ${reason.status}`;
    case 'cpu':
      return `needs ${formatCpu(reason.needCpu)} per replica, the most free is ${formatCpu(reason.mostFree.freeCpu)} on ${reason.mostFree.server}`;
  }
}

/** One line for an app that could not be placed: `api replica 2: needs …`. */
export const describeUnplacedSlot = (u: UnplacedSlot): string =>
  `${u.appName} replica ${u.slot}: ${describeUnplaceable(u.reason)}`;

/**
 * Why a deploy of `app` cannot be placed, as one message, or null when every slot has a server:
 * `api: 2 of 3 replicas cannot be placed: needs …` with the first missing slot's reason (the
 * later ones fail on the same fleet).
 */
export function describeUnplacedApp(
  unplaced: readonly UnplacedSlot[],
  app: { id: string; name: string; replicas: number },
): string | null {
  const mine = unplaced.filter((u) => u.appId === app.id);
  const first = mine[0];
  if (first === undefined) return null;
  const what =
    mine.length === app.replicas
      ? 'no replica can be placed'
      : `${mine.length} of ${app.replicas} replicas cannot be placed`;
  return `${app.name}: ${what}: ${describeUnplaceable(first.reason)}`;
}
