import {
  agentBuildAad,
  type AgentBuildParams,
  type AgentBuildSource,
  type BuildNetwork,
} from '@berth/protocol';
import type { BuildRow } from '@berth/store';

/** Everything berthd decided for one build, looked up before the agent is asked. */
export interface BuildParamsInput {
  build: BuildRow;
  app: { id: string; name: string; teamId: string };
  timeoutMs: number;
  fromLine: number;
  /** The git source as the agent must open it (a local path: its checked real path). */
  gitUrl: string | null;
  credentials: { token: string | null; sshKey: string | null } | null;
  network: BuildNetwork;
  /** Where the agent downloads an upload from (with its capability token). */
  archivePath: string | null;
}

/** The build request for the agent; credentials are sealed with `seal`, for that agent only. */
export function toAgentBuildParams(
  input: BuildParamsInput,
  seal: (plain: string, aad: string) => string,
): AgentBuildParams {
  const { build, app, credentials } = input;
  return {
    buildId: build.id,
    appId: app.id,
    appName: app.name,
    teamId: app.teamId,
    timeoutMs: input.timeoutMs,
    fromLine: input.fromLine,
    network: input.network,
    source: toAgentSource(input, (what, plain) => seal(plain, agentBuildAad(build.id, what)), credentials),
  };
}

function toAgentSource(
  input: BuildParamsInput,
  seal: (what: 'token' | 'ssh-key', plain: string) => string,
  credentials: BuildParamsInput['credentials'],
): AgentBuildSource {
  const { source } = input.build;
  if (source.type === 'archive') {
    return { type: 'archive', path: input.archivePath ?? '', sha256: source.sha256, bytes: source.bytes };
  }
  return {
    type: 'git',
    url: input.gitUrl ?? source.url,
    ref: source.ref,
    commit: source.commit,
    ...(source.requireTip && { requireTip: true }),
    token: credentials?.token ? seal('token', credentials.token) : null,
    sshKey: credentials?.sshKey ? seal('ssh-key', credentials.sshKey) : null,
  };
}
