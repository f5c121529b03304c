import type { Arrival } from './sim-agent.js';

export interface ChangeLatencies {
  /**
   * Per agent that got one: API call → the first desired state of a newer version than the agent
   * held at the call. (berthd also re-sends the unchanged state to every agent when a deploy is
   * queued; that is not the change reaching it.)
   */
  push: number[];
  /** Per agent given the deployment's slots: API call → the first desired state that carries it. */
  release: number[];
}

/** How long after `calledAt` each agent received the change's push and the new deployment. Pure. */
export function changeLatencies(
  agents: readonly { markedVersion: number; arrivals: readonly Arrival[] }[],
  calledAt: number,
  deploymentId: string,
): ChangeLatencies {
  const push: number[] = [];
  const release: number[] = [];
  for (const { markedVersion, arrivals } of agents) {
    const after = arrivals.filter((a) => a.at >= calledAt).sort((a, b) => a.at - b.at);
    const first = after.find((a) => a.version > markedVersion);
    if (first) push.push(first.at - calledAt);
    const carrying = after.find((a) => a.deployments.includes(deploymentId));
    if (carrying) release.push(carrying.at - calledAt);
  }
  return { push, release };
}
