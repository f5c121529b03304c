export { startAgent, AGENT_VERSION, type RunningAgent } from './agent.js';
export { parseAgentConfig, type AgentConfig } from './config.js';
