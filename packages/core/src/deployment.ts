import { BerthError, type DeploymentStatus } from '@berth/protocol';

const NEXT: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
  queued: ['preparing', 'failed'],
  preparing: ['rolling_out', 'failed', 'ignored'],
  rolling_out: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
  ignored: [],
};

export const canTransition = (from: DeploymentStatus, to: DeploymentStatus): boolean =>
  from === to || NEXT[from].includes(to);

export function assertTransition(from: DeploymentStatus, to: DeploymentStatus): void {
  if (!canTransition(from, to)) {
    throw new BerthError('INTERNAL', `A deployment cannot go from ${from} to ${to}`);
  }
}

export const isTerminal = (s: DeploymentStatus): boolean => NEXT[s].length === 0;
