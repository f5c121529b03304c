import { COMMIT_SHA_PATTERN, type GitSource } from '@berth/protocol';

/** A push, as a webhook reports it: the full ref (`refs/heads/main`) and the new commit. */
export interface PushEvent {
  ref: string;
  commit: string | null;
  /** The ref was deleted: nothing to build. */
  deleted: boolean;
}

export type WebhookDecision = { deploy: true; commit: string | null } | { deploy: false; reason: string };

/**
 * Whether a push deploys the app: only a push to the ref the app tracks does. A bare branch name
 * (generic webhooks may send `main`) is taken as `refs/heads/<name>`.
 */
export function decidePush(source: GitSource | null, push: PushEvent): WebhookDecision {
  if (!source) return { deploy: false, reason: 'the app has no git source' };
  const ref = push.ref.startsWith('refs/') ? push.ref : `refs/heads/${push.ref}`;
  const tracked =
    source.ref.kind === 'branch'
      ? `refs/heads/${source.ref.name}`
      : source.ref.kind === 'tag'
        ? `refs/tags/${source.ref.name}`
        : null;
  if (tracked === null) return { deploy: false, reason: 'the app is pinned to a commit' };
  if (ref !== tracked) return { deploy: false, reason: `${ref} is not the tracked ${tracked}` };
  if (push.deleted) return { deploy: false, reason: `${ref} was deleted` };
  if (push.commit !== null && !COMMIT_SHA_PATTERN.test(push.commit))
    return { deploy: false, reason: 'the pushed commit is not a full SHA' };
  return { deploy: true, commit: push.commit };
}
