export {
  checkDestination,
  createGuardedAgents,
  createGuardedLookup,
  type CheckedDestination,
  type GuardedAgents,
  type ResolveAll,
} from './guarded-lookup.js';
