import type { UpSettings } from './children.js';
import type { UpPaths } from './paths.js';

/** What `berth up` prints once everything answers: where things are, and the next commands. */
export function printBanner(b: {
  url: string;
  paths: UpPaths;
  settings: UpSettings;
  engine: string;
  token: string | null;
  /** berthd's first-owner setup token, while the installation has no owner account. */
  setupToken: string | null;
  /** How other machines reach the API (see remote.ts). */
  remote: { summary: string[]; login: string[] };
}): void {
  const port = b.settings.httpPort === 80 ? '' : `:${b.settings.httpPort}`;
  const lines = [
    '',
    'Berth is up.',
    `  API      ${b.url}${b.remote.summary.length > 0 ? ' (this machine)' : ''}`,
    `  Web      ${b.url}/ (the dashboard)`,
    ...b.remote.summary,
    `  Apps     http://<app>.${b.settings.domain}${port}/`,
    ...httpsLines(b.settings),
    `  Data     ${b.paths.dataDir}`,
    `  Engine   ${b.engine}`,
  ];
  if (b.settings.registryListen)
    lines.push(`  Registry ${b.settings.registryListen} (images move between servers through it)`);
  if (b.settings.externalRegistry)
    lines.push(
      `  Registry ${b.settings.externalRegistry.url} (yours: images move between servers through it)`,
    );
  if (b.settings.allowLocalSources.length > 0)
    lines.push(`  Sources  ${b.settings.allowLocalSources.join(', ')} (every team may build from these)`);
  if (b.token) {
    lines.push(
      '',
      `Admin API token (shown once; also saved to ${b.paths.adminTokenFile}, mode 0600):`,
      `  ${b.token}`,
    );
  }
  if (b.setupToken) {
    const port = new URL(b.url).port;
    lines.push(
      '',
      'Name the first owner in the dashboard (this link works once, for an hour, until berthd restarts):',
      `  http://localhost:${port}/setup#${b.setupToken}`,
    );
  }
  lines.push(
    '',
    'In another terminal:',
    `  berth apps create web --image localhost/hello:1 --port 8080 --health-path / --replicas 2`,
    `  berth deploy web`,
  );
  if (b.remote.login.length > 0) lines.push('', ...b.remote.login);
  lines.push('', 'Ctrl-C stops Berth.', '');
  process.stdout.write(lines.join('\n'));
}

/** Where HTTPS is served, and which certificates berthd orders on its own. */
function httpsLines(s: UpSettings): string[] {
  if (s.httpsPort === null) return [];
  const orders =
    s.acme === null
      ? 'certificates from berth certs add'
      : s.acme.dnsProviderFile === null || s.domain === 'localhost' || s.domain.endsWith('.localhost')
        ? `certificates ordered for custom domains (${s.acme.email})`
        : `certificates ordered for custom domains and *.${s.domain} (${s.acme.email})`;
  return [`  HTTPS    port ${s.httpsPort}: ${orders}`];
}
