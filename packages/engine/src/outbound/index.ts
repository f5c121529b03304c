export {
  checkEgressUrl,
  createGuardedAgents,
  createGuardedLookup,
  pinnedLookup,
  type CheckedEgress,
  type EgressOptions,
  type GuardedAgents,
  type Resolver,
  type ResolvedAddress,
} from './guarded-lookup.js';
