export * from './naming.js';
export * from './duration.js';
export * from './deployment.js';
export * from './app-spec.js';
export * from './proxy-routes.js';
export * from './reconciler/types.js';
export * from './reconciler/plan.js';
export * from './audit.js';
