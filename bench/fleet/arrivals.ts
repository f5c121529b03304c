import type { Arrival } from './sim-agent.js';

export interface ChangeLatencies {
  /** Per agent that got one: API call → the first desired state sent after the call. */
  push: number[];
  /** Per agent given the deployment's slots: API call → the first desired state that carries it. */
  release: number[];
}

/** How long after `calledAt` each agent received the change's push and the new deployment. Pure. */
export function changeLatencies(
  agents: readonly { arrivals: readonly Arrival[] }[],
  calledAt: number,
  deploymentId: string,
): ChangeLatencies {
  const push: number[] = [];
  const release: number[] = [];
  for (const { arrivals } of agents) {
    const after = arrivals.filter((a) => a.at >= calledAt).sort((a, b) => a.at - b.at);
    const first = after[0];
    if (first) push.push(first.at - calledAt);
    const carrying = after.find((a) => a.deployments.includes(deploymentId));
    if (carrying) release.push(carrying.at - calledAt);
  }
  return { push, release };
}
