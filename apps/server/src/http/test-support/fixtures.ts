import assert from 'node:assert/strict';
import type { App, Deployment } from '@berth/protocol';
import type { Store } from '@berth/store';
import { API, type Client } from './http.js';

/** Setting up apps and deployments through the API, as a client would. */

/** `as` is the token to make the request with (the bootstrap owner's by default). */
export async function createApp(
  client: Client,
  name: string,
  extra: Record<string, unknown> = {},
  as?: string,
): Promise<App> {
  const res = await client.send({
    method: 'POST',
    url: `${API}/apps`,
    body: { name, image: 'nginx:1.27', ...extra },
    token: as,
  });
  assert.equal(res.status, 201, res.text);
  return res.json as App;
}

export async function deploy(
  client: Client,
  name: string,
  body: unknown = {},
  as?: string,
): Promise<Deployment> {
  const res = await client.send({ method: 'POST', url: `${API}/apps/${name}/deployments`, body, token: as });
  assert.equal(res.status, 202, res.text);
  return res.json as Deployment;
}

/**
 * What the deploy job and an agent would do for a rollout that succeeds: the image resolves, the
 * release becomes current, the deployment succeeds. No agent runs in these tests, so this stands
 * in for it, writing exactly the rows a successful rollout leaves behind.
 */
export async function markLive(store: Store, deploymentId: string): Promise<void> {
  const d = await store.deployments.get(deploymentId);
  assert.ok(d, `deployment ${deploymentId}`);
  const release = await store.releases.get(d.releaseId);
  assert.ok(release, `release ${d.releaseId}`);
  const now = Date.now();
  if (!release.imageId) await store.releases.setImageId(release.id, `sha256:${'ab'.repeat(32)}`);
  await store.transaction(async (tx) => {
    await tx.apps.update(
      d.appId,
      {
        currentReleaseId: d.releaseId,
        currentReplicas: d.replicas,
        currentDeploymentId: d.id,
        rolloutDirection: 'forward',
      },
      now,
    );
    await tx.deployments.update(d.id, { status: 'succeeded', startedAt: now, finishedAt: now });
  });
}

/** Creates an app and rolls out `releases` releases of it; returns the deployments, oldest first. */
export async function liveApp(
  client: Client,
  store: Store,
  name: string,
  releases = 1,
  options: { as?: string; extra?: Record<string, unknown> } = {},
): Promise<Deployment[]> {
  await createApp(client, name, options.extra, options.as);
  const out: Deployment[] = [];
  for (let i = 1; i <= releases; i += 1) {
    const d = await deploy(client, name, { image: `nginx:1.${i}` }, options.as);
    await markLive(store, d.id);
    out.push(d);
  }
  return out;
}

/** A well-formed id that names nothing. */
export const UNKNOWN_DEPLOYMENT = 'dep_aaaaaaaaaaaaaaaaaaaa';
/** A well-formed master key id that names nothing. */
export const UNKNOWN_KEY = 'mk_000000000000';

/** Path parameters that pass validation: the app `web`, the default team, nothing else that exists. */
export const VALID_PARAMS: Readonly<Record<string, string>> = {
  app: 'web',
  id: UNKNOWN_DEPLOYMENT,
  user: 'nobody@example.com',
  team: 'default',
  name: 'nobody',
};

export interface ValidRequest {
  body?: unknown;
  query?: string;
  /** Path parameters other than VALID_PARAMS. */
  params?: Record<string, string>;
}

/**
 * A request each operation accepts as well-formed (it passes validation), given VALID_PARAMS:
 * what it then finds (or not) is up to the test.
 */
export const VALID_REQUESTS: Record<string, ValidRequest> = {
  health: {},
  listServers: {},
  getServer: {},
  createServer: { body: { name: 'valid', labels: { zone: 'b' }, ttl: '1h' } },
  removeServer: {},
  approveServer: {},
  drainServer: {},
  undrainServer: {},
  patchServerLabels: { body: { set: { zone: 'b' }, unset: ['role'] } },
  getProxyHistory: {},
  rollbackProxy: { body: { version: 1 } },
  joinServer: {
    body: {
      token: `bj1.${'A'.repeat(43)}.none`,
      publicKey: 'MCowBQYDK2VwAyEA1iB+3N2uXsUGED84/1OI9Tfuznlh3W6iexMq1t0DXJA=',
      sealingKey: 'MCowBQYDK2VuAyEA+nFIZPgHDo9qvWjRQP70crR3/s1LAawTiaXC/nM3NwM=',
      // A real signature, of something else: the token names nothing either way.
      signature: '/tlNmmYYCIIDjducIDK+YWnRkhQ1VGkfX/qF25NGIlmgm0eq4DWZ8NGCijb2KuwjSz4PKaGaMWYN75onUC2XAQ==',
      agentVersion: '0.1.0',
    },
  },
  listApps: {},
  createApp: { body: { name: 'valid', image: 'nginx:1.27' } },
  getApp: {},
  updateApp: { body: { port: 8081 } },
  deleteApp: {},
  deployApp: { body: {} },
  listDeployments: {},
  rollbackApp: { body: {} },
  restartApp: { body: {} },
  execApp: { query: 'cmd=true' },
  getDeployment: {},
  streamDeploymentEvents: { query: 'follow=false' },
  streamEvents: { query: 'team=default&follow=false' },
  getEnv: {},
  patchEnv: { body: { set: { A: '1' } } },
  scaleApp: { body: { replicas: 2 } },
  listReleases: {},
  streamLogs: { query: 'tail=10' },
  login: { body: { email: 'nobody@example.com', password: 'not the password' } },
  logout: {},
  whoami: {},
  setPassword: { body: { token: 'bot_unknown', password: 'a long enough password' } },
  setupStatus: {},
  setupFirstOwner: {
    body: { token: 'setup_unknown', email: 'first@example.com', password: 'a long enough password' },
  },
  listUsers: {},
  createUser: { body: { email: 'valid@example.com', role: 'viewer' } },
  grantMembership: { body: { role: 'viewer' } },
  revokeMembership: {},
  issuePasswordReset: {},
  listInvitations: {},
  acceptInvitation: {},
  declineInvitation: {},
  listTeamInvitations: {},
  createToken: { body: { name: 'valid', role: 'viewer' } },
  listTokens: { query: 'team=default' },
  revokeToken: { query: 'team=default' },
  createTeam: { body: { name: 'valid' } },
  listTeams: {},
  getTeam: {},
  updateTeamSettings: { body: { buildNetwork: 'none' } },
  setLocalImages: { body: { allowed: true } },
  createProject: { body: { name: 'valid' } },
  listProjects: { query: 'team=default' },
  listSecrets: {},
  patchSecrets: { body: { set: { TOKEN: 'not-a-real-secret' } } },
  listKeys: {},
  rotateKeys: {},
  retireKey: { params: { id: UNKNOWN_KEY } },
  listAudit: { query: 'limit=10' },
  exportAudit: {},
  verifyAudit: {},
  listBuilds: {},
  getBuild: { params: { number: '1' } },
  streamBuildLog: { params: { number: '1' }, query: 'follow=false' },
  cancelBuild: { params: { number: '1' } },
  // Its body is a tar; as JSON it is well-formed HTTP that the route refuses with 415.
  deployUpload: { body: {} },
  getWebhook: {},
  rotateWebhookSecret: {},
  githubWebhook: { body: { ref: 'refs/heads/main' } },
  genericWebhook: { body: { ref: 'main' } },
  bootstrapImages: { body: { only: ['static'] } },
  listDomains: {},
  addDomain: { body: { name: 'valid.example.test', redirectFrom: ['www.valid.example.test'] } },
  renewDomain: { params: { name: 'valid.example.test' } },
  checkDomain: { params: { name: 'valid.example.test' } },
  removeDomain: { params: { name: 'valid.example.test' } },
  addCertificate: { body: { certificatePem: 'not a certificate', keyPem: 'not a key' } },
  listVolumes: {},
  createVolume: { body: { name: 'valid', server: 'valid' } },
  deleteVolume: { params: { name: 'valid' }, query: 'team=default' },
  listDatabases: {},
  createDatabase: { body: { name: 'valid', engine: 'postgres', server: 'valid' } },
  getDatabase: { params: { name: 'valid' }, query: 'team=default' },
  linkDatabase: { params: { name: 'valid' }, body: { app: 'valid' } },
  unlinkDatabase: { params: { name: 'valid', app: 'valid' }, query: 'team=default' },
  deleteDatabase: { params: { name: 'valid' }, query: 'team=default' },
  listNotificationChannels: {},
  createNotificationChannel: { body: { url: 'https://hooks.example.test/berth', events: ['deploy.failed'] } },
  deleteNotificationChannel: { params: { id: 'nch_aaaaaaaaaaaaaaaaaaaa' }, query: 'team=default' },
  testNotificationChannel: { params: { id: 'nch_aaaaaaaaaaaaaaaaaaaa' }, query: 'team=default' },
  listNotificationDeliveries: { query: 'limit=10' },
  runApp: { body: { cmd: ['true'] } },
  listCronJobs: {},
  createCronJob: { body: { name: 'valid', schedule: '@daily', command: ['true'] } },
  deleteCronJob: { params: { name: 'valid' } },
  listCronRuns: { params: { name: 'valid' } },
  listBackupTargets: {},
  createBackupTarget: { body: { name: 'valid', dir: '/srv/backups' } },
  deleteBackupTarget: { params: { name: 'valid' }, query: 'team=default' },
  listVolumeBackups: { params: { name: 'valid' }, query: 'team=default' },
  runVolumeBackup: { params: { name: 'valid' }, body: { target: 'valid' } },
  listDatabaseBackups: { params: { name: 'valid' }, query: 'team=default' },
  runDatabaseBackup: { params: { name: 'valid' }, body: { target: 'valid' } },
  restoreVolume: { params: { name: 'valid' }, body: { backup: 'bak_aaaaaaaaaaaaaaaaaaaa' } },
  restoreDatabase: {
    params: { name: 'valid' },
    body: { backup: 'bak_aaaaaaaaaaaaaaaaaaaa', to: 'valid-copy' },
  },
  listSystemBackups: {},
  createSystemBackup: { body: { target: 'valid', passphrase: 'a valid passphrase' } },
  getBackup: { params: { id: 'bak_aaaaaaaaaaaaaaaaaaaa' }, query: 'team=default' },
  listBackupSchedules: {},
  setBackupSchedule: { body: { source: 'valid', target: 'valid', cron: '0 3 * * *', keep: 14 } },
  deleteBackupSchedule: { params: { source: 'valid' }, query: 'target=valid&team=default' },
};

/** The valid request of an operation, or a failure naming the operation that has none. */
export function validRequestOf(operationId: string): ValidRequest & { params: Record<string, string> } {
  const valid = VALID_REQUESTS[operationId];
  assert.ok(valid, `VALID_REQUESTS has no ${operationId}: add one to test-support/fixtures.ts`);
  return { ...valid, params: { ...VALID_PARAMS, ...valid.params } };
}

/** An app built from a git source, deployed once: its build #1 stays queued (no worker runs here). */
export async function sourceAppWithBuild(
  client: Client,
  name: string,
  as?: string,
  extra: Record<string, unknown> = {},
): Promise<Deployment> {
  const res = await client.send({
    method: 'POST',
    url: `${API}/apps`,
    body: {
      name,
      git: { url: `https://git.example.com/acme/${name}.git`, token: 'ghp_secret-token' },
      ...extra,
    },
    token: as,
  });
  assert.equal(res.status, 201, res.text);
  return deploy(client, name, {}, as);
}

/** A tar archive of the given files (ustar, no compression), as `berth deploy --from-dir` sends. */
export { tarOf } from '../../../../../test/support/tar.js';
