import type { BuildSettings } from '@berth/core';
import type { DeploymentError, GitRef } from '@berth/protocol';

/**
 * Builds from source. A build is made by a deployment (or a webhook's) and ends with an image
 * the deployment's release runs; its log lines are kept with it.
 */

export type BuildStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'ignored';
export type BuildTrigger = 'deploy' | 'webhook' | 'upload';

/** What was built: a git ref (and the exact commit, once known) or an uploaded archive. */
export type BuildSource =
  | {
      type: 'git';
      url: string;
      ref: GitRef;
      commit: string | null;
      /** A webhook's push: build `commit` only while it is the ref's tip (see AgentBuildSource). */
      requireTip?: boolean;
    }
  | { type: 'archive'; sha256: string; bytes: number };

export interface BuildRow {
  id: string;
  appId: string;
  /** 1, 2, 3… per app: what people type (`berth logs api --build 3`). */
  number: number;
  status: BuildStatus;
  trigger: BuildTrigger;
  source: BuildSource;
  commit: string | null;
  subject: string | null;
  builder: string | null;
  /** What berth.yaml and detection decided for the release; kept so an env change keeps its defaults. */
  plan: BuildSettings | null;
  image: string | null;
  imageId: string | null;
  error: DeploymentError | null;
  deploymentId: string | null;
  cancelRequestedAt: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export type BuildPatch = Partial<
  Pick<
    BuildRow,
    | 'status'
    | 'commit'
    | 'subject'
    | 'builder'
    | 'plan'
    | 'image'
    | 'imageId'
    | 'error'
    | 'cancelRequestedAt'
    | 'startedAt'
    | 'finishedAt'
  >
>;

export interface BuildLogRow {
  seq: number;
  at: number;
  line: string;
}

export interface BuildRepo {
  /** Numbers the build from the app's counter (as releases are numbered) and inserts it. */
  create(row: Omit<BuildRow, 'number'>): Promise<BuildRow>;
  get(id: string): Promise<BuildRow | null>;
  getByNumber(appId: string, number: number): Promise<BuildRow | null>;
  /** Newest first. */
  list(appId: string, limit: number): Promise<BuildRow[]>;
  /** The apps whose builds made this image (`localhost/berth/<app>:<tag>`): who owns it. */
  appIdsWithImage(image: string): Promise<string[]>;
  /** Builds of the app that have not ended (queued or running). */
  listUnfinished(appId: string): Promise<BuildRow[]>;
  update(id: string, patch: BuildPatch): Promise<BuildRow>;
  /** Appends lines with the next seqs; returns how many lines the build has now. */
  appendLogs(buildId: string, lines: readonly { at: number; line: string }[]): Promise<number>;
  logs(buildId: string, afterSeq: number, limit: number): Promise<BuildLogRow[]>;
  logCount(buildId: string): Promise<number>;
}

/** Sealed values that belong to an app but are not its env: git credentials, the webhook secret. */
export type SealedPurpose = 'git-token' | 'git-ssh-key' | 'webhook-secret';

export interface AppSealedRow {
  appId: string;
  purpose: SealedPurpose;
  value: string;
  keyId: string;
  createdAt: number;
  updatedAt: number;
}

export interface AppSealedRepo {
  put(row: AppSealedRow): Promise<void>;
  get(appId: string, purpose: SealedPurpose): Promise<AppSealedRow | null>;
  delete(appId: string, purpose: SealedPurpose): Promise<boolean>;
  listAll(): Promise<AppSealedRow[]>;
  reseal(appId: string, purpose: SealedPurpose, value: string, keyId: string): Promise<void>;
}
