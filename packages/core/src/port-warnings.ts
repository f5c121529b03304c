/**
 * What is probably wrong with where an app listens, said before anything runs. Berth gives each
 * replica `PORT=<port>`, but an explicit PORT in the app's env wins (as on Heroku): an app that
 * honours PORT then listens on that one, while Berth probes and routes `port`, and the deploy
 * fails at its health timeout.
 */
export function portWarnings(appName: string, spec: { port: number; env: Record<string, string> }): string[] {
  const given = spec.env.PORT;
  if (given === undefined || given.trim() === String(spec.port)) return [];
  const asPort = /^\s*[0-9]{1,5}\s*$/.test(given) ? Number(given) : null;
  const fix =
    asPort !== null && asPort >= 1 && asPort <= 65535
      ? `berth env unset ${appName} PORT, or berth apps update ${appName} --port ${asPort}`
      : `berth env unset ${appName} PORT`;
  return [
    `PORT=${given} in the env contradicts the app's port ${spec.port}: the app is told to listen on ${given.trim()}, while Berth probes and routes ${spec.port}. Fix one: ${fix}`,
  ];
}
