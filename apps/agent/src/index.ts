export { startAgent, AGENT_VERSION, type RunningAgent } from './agent.js';
export { parseAgentConfig, type AgentConfig } from './config.js';
// For tests of the link against a real berthd (test/integration), which the agent package cannot depend on.
export { Link } from './link.js';
export { loadOrCreateIdentity, type AgentIdentity } from '@berth/crypto';
