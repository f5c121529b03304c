import { z } from 'zod';

/**
 * A placement constraint on server labels, `key=value` or `key!=value` (`zone=b`,
 * `role!=build`): an app's replicas run only on servers whose labels match all of them. A server
 * without the label fails `=` and passes `!=`.
 */
export const PlacementConstraintText = z
  .string()
  .max(128)
  .regex(/^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?!?=[A-Za-z0-9._-]{0,63}$/, {
    message: 'must be key=value or key!=value, like zone=b or role!=build',
  });

export const PlacementConstraints = z.array(PlacementConstraintText).max(16);
