import { createClient } from '@berth/client';
import { percentile } from './measure.js';

type Client = ReturnType<typeof createClient>;

export interface TrustFigures {
  login: number[];
  tokenRead: number[];
  sessionRead: number[];
  secretChange: number[];
}

const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

/**
 * What trust costs per request: a login (argon2id verify), an authenticated read with an API
 * token and with a session (token hash lookup, roles, the access check), and a secret change
 * (sealing, a release snapshot, the audit row) on an app that is not deployed.
 */
export async function measureTrust(url: string, admin: Client, samples = 20): Promise<TrustFigures> {
  await admin.createUser({ email: 'bench@example.com', role: 'operator', password: 'bench-password-123' });
  await admin.createApp({ name: 'bench-secrets', image: 'localhost/hello:1' });
  const anon = createClient({ url, token: null });
  const figures: TrustFigures = { login: [], tokenRead: [], sessionRead: [], secretChange: [] };
  let sessionToken = '';
  for (let i = 0; i < samples; i++) {
    figures.login.push(
      await time(async () => {
        sessionToken = (await anon.login('bench@example.com', 'bench-password-123')).token ?? '';
      }),
    );
  }
  const session = createClient({ url, token: sessionToken });
  for (let i = 0; i < samples; i++) {
    figures.tokenRead.push(await time(() => admin.listApps()));
    figures.sessionRead.push(await time(() => session.listApps()));
    figures.secretChange.push(
      await time(() => admin.patchSecrets('bench-secrets', { set: { TOKEN: `value-${i}` } })),
    );
  }
  return figures;
}

export function trustRows(t: TrustFigures): string[] {
  const p = (xs: number[], q: number): string => `${Math.round(percentile(xs, q))} ms`;
  return [
    '| trust: login (argon2id m=19 MiB t=2 p=1) | ' + `${p(t.login, 50)} | ${p(t.login, 95)} |`,
    '| trust: GET /apps with an API token | ' + `${p(t.tokenRead, 50)} | ${p(t.tokenRead, 95)} |`,
    '| trust: GET /apps with a login session | ' + `${p(t.sessionRead, 50)} | ${p(t.sessionRead, 95)} |`,
    '| trust: set a secret (seal, release snapshot, audit row) | ' +
      `${p(t.secretChange, 50)} | ${p(t.secretChange, 95)} |`,
  ];
}
