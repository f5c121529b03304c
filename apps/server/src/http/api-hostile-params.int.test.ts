import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ErrorCode } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { liveApp, UNKNOWN_DEPLOYMENT, UNKNOWN_KEY, validRequestOf } from './test-support/fixtures.js';
import { createRejecter, show, type Rejecter, type Rejection } from './test-support/hostile.js';
import { API } from './test-support/http.js';
import { listOperations, toUrl, type Operation } from './test-support/openapi.js';
import { joinedServerVia } from './test-support/servers.js';

/**
 * Path parameters, for every one the spec declares: a value that is not a name, email or id of
 * the right shape is 400 naming the parameter; a well-formed one that names nothing is 404 with
 * the code of what it names. Nothing is written either way.
 */

let api: TestApi;
let h: Rejecter;
before(async () => {
  api = await startTestApi();
  h = createRejecter(api);
  await liveApp(h.client, api.store, 'web', 2);
  // The database the valid requests name, so an unknown app in its link path is what is unknown.
  await joinedServerVia(h.client, 'valid');
  const db = await h.client.send({
    method: 'POST',
    url: `${API}/databases`,
    body: { name: 'valid', engine: 'postgres', server: 'valid' },
  });
  assert.equal(db.status, 201, db.text);
});
after(() => api.close());

const operations = listOperations();

const BAD_NAMES = ['../x', 'A', 'a b', 'a;b', '$(id)', 'wеb', 'a\nb', '{a}', 'a'.repeat(33), 'a--b'];
const BAD_TOKEN_NAMES = ['../x', 'A', 'a b', 'a;b', '-a', 'a-', '$(id)', 'a\u0000', 'a'.repeat(65)];
const BAD_EMAILS = [
  'not-an-email',
  'a b@example.com',
  'a;b@example.com',
  'a@b',
  'a@-b.example',
  'ａ@example.com',
  'a@exa\nmple.com',
  `${'a'.repeat(65)}@example.com`,
  '@example.com',
  'a@example.com\u0000',
];
const BAD_DEPLOYMENT_IDS = [
  'not-an-id',
  'DEP_AAAAAAAAAAAAAAAAAAAA',
  'dep_aaaa',
  'dep_aaaaaaaaaaaaaaaaaaa1',
  '../x',
  'dep_aaaaaaaaaaaaaaaaaaaa;',
];
const BAD_BUILD_NUMBERS = ['0', '-1', 'x', '1.5', '1e3', '0x10', ' 1', '../1', '1;2', '9999999999'];
const BAD_KEY_IDS = [
  'not-an-id',
  'MK_000000000000',
  'mk_00000000000',
  'mk_00000000000g',
  '../x',
  'mk_000000000000;',
];
const UNKNOWN_BACKUP = 'bak_aaaaaaaaaaaaaaaaaaaa';
const BAD_BACKUP_IDS = [
  'not-an-id',
  'BAK_AAAAAAAAAAAAAAAAAAAA',
  'bak_aaaa',
  '../x',
  'bak_aaaaaaaaaaaaaaaaaaaa;',
];
const UNKNOWN_CHANNEL = 'nch_aaaaaaaaaaaaaaaaaaaa';
const BAD_CHANNEL_IDS = [
  'not-an-id',
  'NCH_AAAAAAAAAAAAAAAAAAAA',
  'nch_aaaa',
  '../x',
  'nch_aaaaaaaaaaaaaaaaaaaa;',
];

const BAD_DOMAIN_NAMES = [
  '../x',
  'a b.com',
  'a;b.com',
  '$(id).com',
  'a\nb.com',
  '{a}.com',
  'Example.com',
  'nodot',
  `${'a'.repeat(64)}.com`,
  'ab--cd.com',
];

interface ParamKind {
  bad: readonly string[];
  /** A well-formed value that names nothing; null where that is not an error. */
  unknown: string | null;
  code: ErrorCode;
}

/** What each path parameter names; `id` is a deployment's or a master key's, by route. */
function kindOf(op: Operation, param: string): ParamKind {
  switch (param) {
    case 'app':
      return { bad: BAD_NAMES, unknown: 'ghost', code: 'APP_NOT_FOUND' };
    case 'team':
      return op.path.startsWith(`${API}/invitations/`)
        ? { bad: BAD_NAMES, unknown: 'ghost', code: 'INVITATION_NOT_FOUND' }
        : { bad: BAD_NAMES, unknown: 'ghost', code: 'TEAM_NOT_FOUND' };
    case 'user':
      // Granting a role to an email that is not in the team invites it (202, for any email).
      return {
        bad: BAD_EMAILS,
        unknown: op.operationId === 'grantMembership' ? null : 'ghost@example.com',
        code: 'USER_NOT_FOUND',
      };
    case 'name':
      if (op.path.startsWith(`${API}/backup-targets/`))
        return { bad: BAD_NAMES, unknown: 'ghost', code: 'BACKUP_TARGET_NOT_FOUND' };
      if (op.path.startsWith(`${API}/volumes/`))
        return { bad: BAD_NAMES, unknown: 'ghost', code: 'VOLUME_NOT_FOUND' };
      if (op.path.startsWith(`${API}/databases/`))
        return { bad: BAD_NAMES, unknown: 'ghost', code: 'DATABASE_NOT_FOUND' };
      if (op.path.includes('/cron/')) return { bad: BAD_NAMES, unknown: 'ghost', code: 'CRON_JOB_NOT_FOUND' };
      if (op.path.includes('/domains/'))
        return { bad: BAD_DOMAIN_NAMES, unknown: 'ghost.example.test', code: 'DOMAIN_NOT_FOUND' };
      return op.path.startsWith(`${API}/servers/`)
        ? { bad: BAD_TOKEN_NAMES, unknown: 'ghost', code: 'SERVER_NOT_FOUND' }
        : { bad: BAD_TOKEN_NAMES, unknown: 'ghost', code: 'TOKEN_NOT_FOUND' };
    case 'source':
      // A backup schedule's source: a volume by name today.
      return { bad: BAD_NAMES, unknown: 'ghost', code: 'VOLUME_NOT_FOUND' };
    case 'number':
      return { bad: BAD_BUILD_NUMBERS, unknown: '999', code: 'BUILD_NOT_FOUND' };
    case 'id':
      if (op.path.startsWith(`${API}/backups/`))
        return { bad: BAD_BACKUP_IDS, unknown: UNKNOWN_BACKUP, code: 'BACKUP_NOT_FOUND' };
      if (op.path.startsWith(`${API}/notifications/channels/`))
        return { bad: BAD_CHANNEL_IDS, unknown: UNKNOWN_CHANNEL, code: 'NOTIFICATION_CHANNEL_NOT_FOUND' };
      return op.path.startsWith(`${API}/keys/`)
        ? { bad: BAD_KEY_IDS, unknown: UNKNOWN_KEY, code: 'KEY_NOT_FOUND' }
        : { bad: BAD_DEPLOYMENT_IDS, unknown: UNKNOWN_DEPLOYMENT, code: 'DEPLOYMENT_NOT_FOUND' };
    default:
      throw new Error(`${op.operationId}: no hostile values for path parameter ${param}; add them here`);
  }
}

/** The rest of a valid request: its other parameters, its query and its body. */
const rest = (op: Operation, param: string, value: string): Omit<Rejection, 'name' | 'status' | 'code'> => {
  const valid = validRequestOf(op.operationId);
  return {
    method: op.method,
    url: toUrl(op, { ...valid.params, [param]: value }, valid.query),
    ...(valid.body !== undefined && { body: valid.body }),
  };
};

test('every path parameter of every operation: a bad value is 400 naming it, an unknown one 404', (t) => {
  const cases = operations.flatMap((op) =>
    op.pathParams.flatMap((param): Rejection[] => {
      const kind = kindOf(op, param);
      return [
        ...kind.bad.map((value): Rejection => ({
          name: `${op.operationId} ${param}=${show(value)}`,
          ...rest(op, param, value),
          status: 400,
          code: 'VALIDATION_FAILED',
          field: param,
        })),
        ...(kind.unknown === null
          ? []
          : [
              {
                name: `${op.operationId} of an unknown ${param}`,
                ...rest(op, param, kind.unknown),
                status: 404,
                code: kind.code,
              },
            ]),
      ];
    }),
  );
  assert.ok(cases.length > 150, `${cases.length} cases`);
  return h.rejectAll(t, cases);
});

test('URLs the router cannot read are 400', (t) =>
  h.rejectAll(
    t,
    [`/apps/${'a'.repeat(200)}`, '/apps/%zz', '/deployments/%E0%A4%A', '/keys/%', '/tokens/%ff'].map(
      (path): Rejection => ({
        name: `GET or DELETE ${show(path)}`,
        method: path.startsWith('/keys') || path.startsWith('/tokens') ? 'DELETE' : 'GET',
        url: `${API}${path}`,
        status: 400,
        code: 'VALIDATION_FAILED',
      }),
    ),
  ));

test('request count', (t) => t.diagnostic(`the path parameter suite sent ${h.client.sent} requests`));
