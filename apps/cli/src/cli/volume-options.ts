import { DEPLOY_STRATEGIES, type DeployStrategy, type VolumeMountInput } from '@berth/protocol';
import { InvalidArgumentError } from 'commander';

/**
 * `--volume NAME:/PATH`: split at the first colon only. The name and path are checked by berthd
 * (a path with another colon is refused there, with the rule it breaks), so nothing is guessed here.
 */
export function parseVolumeMount(value: string): VolumeMountInput {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1)
    throw new InvalidArgumentError(
      `expected NAME:/PATH like uploads:/var/lib/uploads, got ${JSON.stringify(value)}`,
    );
  return { volume: value.slice(0, colon), path: value.slice(colon + 1) };
}

export function strategyArg(value: string): DeployStrategy {
  const found = DEPLOY_STRATEGIES.find((s) => s === value);
  if (found === undefined) throw new InvalidArgumentError(`expected ${DEPLOY_STRATEGIES.join(' or ')}`);
  return found;
}
