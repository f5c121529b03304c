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

export type ApiPaths = Unprefixed<paths>;
