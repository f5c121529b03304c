import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentBuildParams } from '@berth/protocol';
import type { BuildRow } from '@berth/store';
import { toAgentBuildParams, type BuildParamsInput } from './agent-params.js';

const build = (source: BuildRow['source']): BuildRow => ({
  id: 'bld_aaaaaaaaaaaaaaaaaaaa',
  appId: 'app_aaaaaaaaaaaaaaaaaaaa',
  number: 3,
  status: 'running',
  trigger: 'webhook',
  source,
  commit: null,
  subject: null,
  builder: null,
  plan: null,
  image: null,
  imageId: null,
  error: null,
  deploymentId: null,
  cancelRequestedAt: null,
  createdAt: 0,
  startedAt: 0,
  finishedAt: null,
});

const input = (over: Partial<BuildParamsInput>): BuildParamsInput => ({
  build: build({ type: 'git', url: '/srv/repos/../x', ref: { kind: 'branch', name: 'main' }, commit: null }),
  app: { id: 'app_aaaaaaaaaaaaaaaaaaaa', name: 'web', teamId: 'tm_aaaaaaaaaaaaaaaaaaaa' },
  timeoutMs: 60_000,
  fromLine: 0,
  gitUrl: null,
  credentials: null,
  network: 'egress',
  archivePath: null,
  ...over,
});

const seal = (plain: string, aad: string): string => `sealed(${plain}|${aad})`;

test("the team's build network reaches the agent, and the params are what the agent accepts", () => {
  for (const network of ['egress', 'none'] as const) {
    const params = toAgentBuildParams(input({ network, gitUrl: '/srv/repos/site' }), seal);
    assert.equal(params.network, network);
    assert.deepEqual(AgentBuildParams.parse(params), params);
  }
});

test("a webhook's push asks the agent to build only the branch's tip; the checked path replaces the given one", () => {
  const sha = 'a'.repeat(40);
  const pushed = build({
    type: 'git',
    url: 'file:///srv/repos/link',
    ref: { kind: 'branch', name: 'main' },
    commit: sha,
    requireTip: true,
  });
  const params = toAgentBuildParams(
    input({ build: pushed, gitUrl: 'file:///srv/repos/real', credentials: { token: 'tok', sshKey: null } }),
    seal,
  );
  assert.deepEqual(params.source, {
    type: 'git',
    url: 'file:///srv/repos/real',
    ref: { kind: 'branch', name: 'main' },
    commit: sha,
    requireTip: true,
    token: 'sealed(tok|build:bld_aaaaaaaaaaaaaaaaaaaa:token)',
    sshKey: null,
  });
  const asked = toAgentBuildParams(input({ gitUrl: '/srv/repos/site' }), seal);
  assert.equal(
    'requireTip' in asked.source,
    false,
    'a deploy a person asked for builds the tip, whatever it is',
  );
});
