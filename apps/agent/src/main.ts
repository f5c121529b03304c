import { pino } from 'pino';
import { startAgent } from './agent.js';
import { parseAgentConfig } from './config.js';

/** berth-agent: makes one server match what berthd wants. Configured by BERTH_AGENT_* variables. */
async function main(): Promise<void> {
  const config = parseAgentConfig(process.env);
  const log = pino({ level: config.logLevel, base: { svc: 'agent' } });
  const agent = await startAgent(config, log);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`berth-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
