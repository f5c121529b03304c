export { dumpDatabase, countDatabase, type DatabaseDump } from './dump.js';
export {
  verifyDatabaseDump,
  restoreDatabaseDump,
  compareWithDumpTime,
  type DatabaseLoadOptions,
  type DatabaseLoadResult,
  type DatabaseLoaderEngine,
} from './scratch-database.js';
export { compareCounts, describeCounts } from './engine-tools.js';
export { runTool as runContainerTool, type ToolOutput } from './container-exec.js';
