/** What `berth` exit codes mean; scripts can rely on them. */
export const EXIT = {
  ok: 0,
  /** The request was wrong (bad input, unknown app, …); the message says what to do. */
  userError: 1,
  /** The deployment ran and failed (the previous release keeps serving). */
  deployFailed: 2,
  /** berthd could not be reached, or not safely (its certificate is not from the pinned or a trusted CA). */
  unreachable: 3,
  /** Something broke inside Berth; the message carries a request id for the logs. */
  internal: 4,
  /** `berth audit verify` found a row that was edited, deleted or reordered. */
  auditBroken: 5,
} as const;
