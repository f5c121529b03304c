import { z } from 'zod';

/** The HTTP API's bodies and answers, a file per resource. */

export * from './api-health-checks.js';
export * from './api-apps.js';
export * from './api-releases.js';
export * from './api-deployments.js';
export * from './api-logs.js';

/** berthd's `GET /health`. */
export const Health = z.object({ status: z.literal('ok'), version: z.string() });
