/** This install's version: the CLI's, and that of the agent it runs (one package, one version). */
export const BERTH_VERSION = '0.1.0';
