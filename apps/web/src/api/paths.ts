import type { operations, paths } from './schema.js';

/**
 * The API's types, from openapi.yaml (`npm run generate -w apps/web` writes schema.d.ts). The
 * spec's paths all carry the /api/v1 prefix; the client's baseUrl carries it instead, so calls
 * read `api.GET('/apps/{app}', …)`.
 */
export const API_PREFIX = '/api/v1';

type Unprefixed<P> = {
  [K in keyof P as K extends `${typeof API_PREFIX}${infer Rest}` ? Rest : never]: P[K];
};

type Json<Op, Status extends number> = Op extends {
  responses: { [S in Status]: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

/** One line of a route's `application/x-ndjson` answer (a stream of JSON objects, one a line). */
type NdjsonLine<Op, Status extends number> = Op extends {
  responses: { [S in Status]: { content: { 'application/x-ndjson': infer Line } } };
}
  ? Line
  : never;

/** An RFC 9457 problem, as every route answers its errors (the same schema on each). */
export type Problem = operations['whoami']['responses'][401]['content']['application/problem+json'];
export type Me = Json<operations['whoami'], 200>;
export type Role = Me['memberships'][number]['role'];
export type App = Json<operations['getApp'], 200>;
export type AppStatus = App['status'];
export type Replica = App['replicaStatus'][number];
export type Deployment = Json<operations['listDeployments'], 200>['deployments'][number];
export type DeploymentStatus = Deployment['status'];
/** A step of a deployment, as getDeployment lists them and streamDeploymentEvents sends them. */
export type DeploymentEvent = Json<operations['getDeployment'], 200>['events'][number];
/** streamDeploymentEvents: `{"type":"event",…}` lines, then one `{"type":"end",…}` line. */
export type DeploymentStreamLine = NdjsonLine<operations['streamDeploymentEvents'], 200>;
export type Release = Json<operations['listReleases'], 200>['releases'][number];
export type Secret = Json<operations['listSecrets'], 200>['secrets'][number];
export type Team = Json<operations['listTeams'], 200>['teams'][number];
export type ApiToken = Json<operations['listTokens'], 200>['tokens'][number];
export type NewApiToken = Json<operations['createToken'], 201>;
export type Member = Json<operations['listUsers'], 200>['users'][number];
export type Invitation = Json<operations['listTeamInvitations'], 200>['invitations'][number];
/** createUser: the invitation, and the one-time setup token of the invite link. */
export type NewInvitation = Json<operations['createUser'], 201>;
export type Project = Json<operations['listProjects'], 200>['projects'][number];
export type AuditRow = Json<operations['listAudit'], 200>['rows'][number];
export type AuditQuery = NonNullable<operations['listAudit']['parameters']['query']>;
export type AuditVerification = Json<operations['verifyAudit'], 200>;

/** streamLogs: one line of a replica's output (`berth` lines are Berth's word about the stream). */
export type AppLogLine = NdjsonLine<operations['streamLogs'], 200>;
export type Build = Json<operations['listBuilds'], 200>['builds'][number];
export type BuildStatus = Build['status'];
/** streamBuildLog: `{"type":"line",…}` lines, then one `{"type":"end",…}` line. */
export type BuildLogStreamLine = NdjsonLine<operations['streamBuildLog'], 200>;
export type BuildLogEntry = Extract<BuildLogStreamLine, { type: 'line' }>['line'];
export type Domain = Json<operations['listDomains'], 200>['domains'][number];
export type WebhookInfo = Json<operations['getWebhook'], 200>;
export type Server = Json<operations['listServers'], 200>['servers'][number];

export type ApiPaths = Unprefixed<paths>;
