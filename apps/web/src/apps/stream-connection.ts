/**
 * The part a followed stream's state has whatever it carries (a deployment's steps, a build's
 * log): how the connection is doing, why it stopped, and what its end line said.
 */

export type Connection = 'connecting' | 'open' | 'reconnecting' | 'ended' | 'failed';

export interface StreamState<Ended> {
  /** What the end line told, once the stream is over. */
  ended: Ended | null;
  connection: Connection;
  /** Why the stream stopped for good ('failed'), or why it is being opened again ('reconnecting'). */
  error: unknown;
}

export type ConnectionAction =
  { type: 'open' } | { type: 'retry'; error: unknown } | { type: 'fail'; error: unknown };

/** The stream opened, dropped (to be opened again) or failed for good. */
export function connectionStep<S extends StreamState<unknown>>(state: S, action: ConnectionAction): S {
  switch (action.type) {
    case 'open':
      return { ...state, connection: 'open', error: null };
    case 'retry':
      return { ...state, connection: 'reconnecting', error: action.error };
    case 'fail':
      return { ...state, connection: 'failed', error: action.error };
  }
}

/** The end line came: the stream is over, with what it said. */
export const endedWith = <S extends StreamState<E>, E>(state: S, ended: E): S => ({
  ...state,
  ended,
  connection: 'ended',
  error: null,
});
