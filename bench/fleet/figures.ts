/** What the fleet bench (fleet-agents.ts) measures. */
import type { Summary } from './proc-stats.js';
import type { SqlTotal } from './sql-totals.js';

export interface ChangeFigures {
  label: string;
  replicas: number;
  push: Summary;
  release: Summary;
  /** API call → the deployment succeeded (every placed server reported it converged). */
  succeededMs: number;
  /** CPU time berthd and the agent workers used from the call to the end, in ms. */
  berthdCpuMs: number;
  agentsCpuMs: number;
  /** With sqlTimingFile: the statements berthd spent most time in, from the call to the end. */
  sql: SqlTotal[];
}

export interface FleetAgentsFigures {
  agents: number;
  workers: number;
  openFilesLimit: string;
  addServersMs: number;
  join: { totalMs: number; each: Summary };
  connect: { totalMs: number; each: Summary; berthdCpuMs: number };
  setup: { apps: number; deployMs: number[] };
  changes: ChangeFigures[];
  idle: {
    seconds: number;
    berthdRssMib: number;
    berthdCpuPercent: number;
    agentsRssMib: number;
    agentsCpuPercent: number;
    connected: number;
    reconnects: number;
    sql: SqlTotal[];
  };
}
