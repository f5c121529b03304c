import assert from 'node:assert/strict';
import { ROLES, type ErrorCode, type Role } from '@berth/protocol';

/**
 * Who may do what, per operation, as the policy (access/policy.ts) says, written out so a change
 * of policy is a visible change of this table. Team A is the default team (its owners own the
 * installation, and so of every team: they act on B's targets as on A's); team B is another team.
 * Columns: the role a principal holds in A, acting on a target in A ("own") and on the same kind
 * of target in B ("other").
 *
 *   ok    allowed: the operation's own answer (2xx; streamLogs, getProxyHistory, rollbackProxy:
 *         503, no agent runs here; renewDomain: 409, no ACME CA is configured here; deleteVolume, runApp: 503, its server's agent is not connected; execApp: 426, a plain GET that is not a WebSocket upgrade)
 *         503, no agent runs here; renewDomain: 409, no ACME CA is configured here; deleteVolume, deleteDatabase, restoreVolume, restoreDatabase: 503, its server's agent is not connected; runVolumeBackup, runDatabaseBackup: 202, queued; execApp: 426, a plain GET that is not a WebSocket upgrade; setupFirstOwner: 400 SETUP_TOKEN_INVALID, the world has its owners, the link is closed, and a caller's credentials change nothing)
 *   403   FORBIDDEN: the target is visible to the role, the role may not do this
 *   404   not found (code in the last column): the target is not visible to the role
 *   hide  200, and the list shows nothing of team B
 *   all   200, with team B's rows too (the installation owner sees every team)
 *   self  a user: allowed (its own invitation); a token: 404 (tokens are never invited)
 *   -     the operation has no target in a team
 *
 * The scope column names what the access check looks at: a value of it that names nothing is
 * 404 for every role. `user` is the path parameter of a user a manager can see; `invitation`
 * the team of the caller's own invitation.
 */
const TABLE = `
  operation               scope        | owner admin operator viewer | owner admin operator viewer | not found as
  health                  public       | ok    ok    ok       ok     | -     -     -        -      | -
  login                   public       | ok    ok    ok       ok     | -     -     -        -      | -
  setPassword             public       | ok    ok    ok       ok     | -     -     -        -      | -
  setupStatus             public       | ok    ok    ok       ok     | -     -     -        -      | -
  setupFirstOwner         public       | ok    ok    ok       ok     | -     -     -        -      | -
  logout                  none         | ok    ok    ok       ok     | -     -     -        -      | -
  whoami                  none         | ok    ok    ok       ok     | -     -     -        -      | -
  listServers             none         | ok    ok    ok       ok     | -     -     -        -      | -
  getServer               none         | ok    ok    ok       ok     | -     -     -        -      | -
  createServer            installation | ok    403   403      403    | -     -     -        -      | -
  removeServer            installation | ok    403   403      403    | -     -     -        -      | -
  approveServer           installation | ok    403   403      403    | -     -     -        -      | -
  drainServer             installation | ok    403   403      403    | -     -     -        -      | -
  undrainServer           installation | ok    403   403      403    | -     -     -        -      | -
  patchServerLabels       installation | ok    403   403      403    | -     -     -        -      | -
  getProxyHistory         installation | ok    403   403      403    | -     -     -        -      | -
  rollbackProxy           installation | ok    403   403      403    | -     -     -        -      | -
  joinServer              public       | ok    ok    ok       ok     | -     -     -        -      | -
  listApps                none         | ok    ok    ok       ok     | all   hide  hide     hide   | -
  createApp               team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  getApp                  app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  updateApp               app          | ok    ok    403      403    | ok    404   404      404    | APP_NOT_FOUND
  deleteApp               app          | ok    ok    403      403    | ok    404   404      404    | APP_NOT_FOUND
  listDeployments         app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  deployApp               app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  rollbackApp             app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  restartApp              app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  execApp                 app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  getDeployment           deployment   | ok    ok    ok       ok     | ok    404   404      404    | DEPLOYMENT_NOT_FOUND
  streamDeploymentEvents  deployment   | ok    ok    ok       ok     | ok    404   404      404    | DEPLOYMENT_NOT_FOUND
  streamEvents            team:query   | ok    ok    ok       ok     | ok    404   404      404    | TEAM_NOT_FOUND
  getEnv                  app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  patchEnv                app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  scaleApp                app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  listReleases            app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  streamLogs              app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  listSecrets             app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  patchSecrets            app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  listAudit               none         | ok    ok    ok       ok     | all   hide  hide     hide   | -
  exportAudit             installation | ok    403   403      403    | -     -     -        -      | -
  verifyAudit             installation | ok    403   403      403    | -     -     -        -      | -
  listKeys                installation | ok    403   403      403    | -     -     -        -      | -
  rotateKeys              installation | ok    403   403      403    | -     -     -        -      | -
  retireKey               installation | ok    403   403      403    | -     -     -        -      | -
  listSystemBackups       installation | ok    403   403      403    | -     -     -        -      | -
  createSystemBackup      installation | ok    403   403      403    | -     -     -        -      | -
  createTeam              installation | ok    403   403      403    | -     -     -        -      | -
  listTeams               none         | ok    ok    ok       ok     | all   hide  hide     hide   | -
  getTeam                 team:param   | ok    ok    ok       ok     | ok    404   404      404    | TEAM_NOT_FOUND
  updateTeamSettings      team:param   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  setLocalImages          installation | ok    403   403      403    | -     -     -        -      | -
  createProject           team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  listProjects            team:query   | ok    ok    ok       ok     | ok    404   404      404    | TEAM_NOT_FOUND
  listTokens              team:query   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  createToken             team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  revokeToken             team:query   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  listUsers               none         | ok    ok    ok       ok     | all   hide  hide     hide   | -
  createUser              team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  grantMembership         team:param   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  revokeMembership        team:param   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  issuePasswordReset      user         | ok    ok    404      404    | ok    404   404      404    | USER_NOT_FOUND
  listInvitations         none         | ok    ok    ok       ok     | -     -     -        -      | -
  acceptInvitation        invitation   | self  self  self     self   | 404   404   404      404    | INVITATION_NOT_FOUND
  declineInvitation       invitation   | self  self  self     self   | 404   404   404      404    | INVITATION_NOT_FOUND
  listTeamInvitations     team:param   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  listBuilds              app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  getBuild                app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  streamBuildLog          app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  cancelBuild             app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  deployUpload            app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  getWebhook              app          | ok    ok    403      403    | ok    404   404      404    | APP_NOT_FOUND
  rotateWebhookSecret     app          | ok    ok    403      403    | ok    404   404      404    | APP_NOT_FOUND
  githubWebhook           public       | ok    ok    ok       ok     | -     -     -        -      | -
  genericWebhook          public       | ok    ok    ok       ok     | -     -     -        -      | -
  bootstrapImages         installation | ok    403   403      403    | -     -     -        -      | -
  listDomains             app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  addDomain               app          | ok    ok    403      403    | ok    404   404      404    | APP_NOT_FOUND
  checkDomain             app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  renewDomain             app          | ok    ok    403      403    | ok    404   404      404    | APP_NOT_FOUND
  removeDomain            app          | ok    ok    403      403    | ok    404   404      404    | APP_NOT_FOUND
  listVolumes             none         | ok    ok    ok       ok     | all   hide  hide     hide   | -
  createVolume            team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  deleteVolume            team:query   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  listDatabases           none         | ok    ok    ok       ok     | all   hide  hide     hide   | -
  createDatabase          team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  getDatabase             team:query   | ok    ok    ok       ok     | ok    404   404      404    | TEAM_NOT_FOUND
  linkDatabase            team:body    | ok    ok    ok       403    | ok    404   404      404    | TEAM_NOT_FOUND
  unlinkDatabase          team:query   | ok    ok    ok       403    | ok    404   404      404    | TEAM_NOT_FOUND
  deleteDatabase          team:query   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  listNotificationChannels none        | ok    ok    ok       ok     | all   hide  hide     hide   | -
  createNotificationChannel team:body  | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  deleteNotificationChannel team:query | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  testNotificationChannel team:query   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  listNotificationDeliveries none      | ok    ok    ok       ok     | all   hide  hide     hide   | -
  runApp                  app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  listCronJobs            app          | ok    ok    ok       ok     | ok    404   404      404    | APP_NOT_FOUND
  createCronJob           app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  deleteCronJob           app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  listCronRuns            app          | ok    ok    ok       403    | ok    404   404      404    | APP_NOT_FOUND
  listBackupTargets       none         | ok    ok    ok       ok     | all   hide  hide     hide   | -
  createBackupTarget      team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  deleteBackupTarget      team:query   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  listVolumeBackups       team:query   | ok    ok    ok       ok     | ok    404   404      404    | TEAM_NOT_FOUND
  runVolumeBackup         team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  listDatabaseBackups     team:query   | ok    ok    ok       ok     | ok    404   404      404    | TEAM_NOT_FOUND
  runDatabaseBackup       team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  restoreVolume           team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  restoreDatabase         team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  getBackup               team:query   | ok    ok    ok       ok     | ok    404   404      404    | TEAM_NOT_FOUND
  listBackupSchedules     none         | ok    ok    ok       ok     | all   hide  hide     hide   | -
  setBackupSchedule       team:body    | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  deleteBackupSchedule    team:query   | ok    ok    403      403    | ok    404   404      404    | TEAM_NOT_FOUND
  addCertificate          app          | ok    ok    403      403    | ok    404   404      404    | APP_NOT_FOUND
`;

export type Cell = 'ok' | '403' | '404' | 'hide' | 'all' | 'self' | '-';
export type Target = 'own' | 'other';
export type Scope =
  | 'public'
  | 'none'
  | 'installation'
  | 'app'
  | 'deployment'
  | 'team:body'
  | 'team:query'
  | 'team:param'
  | 'user'
  | 'invitation';

export interface Expectation {
  scope: Scope;
  own: Record<Role, Cell>;
  other: Record<Role, Cell>;
  notFound: ErrorCode | null;
}

const CELLS: readonly string[] = ['ok', '403', '404', 'hide', 'all', 'self', '-'];
const SCOPES: readonly string[] = [
  'public',
  'none',
  'installation',
  'app',
  'deployment',
  'team:body',
  'team:query',
  'team:param',
  'user',
  'invitation',
];

function parseTable(text: string): Record<string, Expectation> {
  const [, ...rows] = text.trim().split('\n');
  const out: Record<string, Expectation> = {};
  for (const row of rows) {
    const words = row
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '|');
    const [operation, scope, ...rest] = words;
    const cells = rest.slice(0, 8);
    const notFound = rest[8];
    assert.ok(operation && scope && notFound && cells.length === 8, `cannot read matrix row: ${row}`);
    assert.ok(SCOPES.includes(scope), `${operation}: unknown scope ${scope}`);
    for (const c of cells) assert.ok(CELLS.includes(c), `${operation}: unknown cell ${c}`);
    const byRole = (from: number) =>
      Object.fromEntries(ROLES.map((r, i) => [r, cells[from + i] as Cell])) as Record<Role, Cell>;
    out[operation] = {
      scope: scope as Scope,
      own: byRole(0),
      other: byRole(4),
      notFound: notFound === '-' ? null : (notFound as ErrorCode),
    };
  }
  return out;
}

export const MATRIX: Readonly<Record<string, Expectation>> = parseTable(TABLE);

/** The row of an operation; fails naming an operation the table has no row for. */
export function expectationOf(operationId: string): Expectation {
  const e = MATRIX[operationId];
  assert.ok(e, `the RBAC matrix (test-support/rbac-matrix.ts) has no row for ${operationId}`);
  return e;
}

/** Allowed on its own team's target: it gets the operation's own answer. */
export const isAllowed = (cell: Cell): boolean => cell === 'ok' || cell === 'hide' || cell === 'all';

/** The cell for this kind of principal: `self` is allowed for a user and 404 for a token. */
export const cellFor = (cell: Cell, kind: 'user' | 'token'): Cell =>
  cell === 'self' ? (kind === 'user' ? 'ok' : '404') : cell;
