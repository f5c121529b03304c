import { useEffect, useRef, type KeyboardEvent } from 'react';

interface ConfirmButtonProps {
  /** The first button's text. */
  label: string;
  /** Its accessible name, when the text alone does not say what it acts on ("Revoke ci"). */
  ariaLabel?: string;
  /** The second button's text, which says what will happen ("Confirm revoke ci"). */
  confirmLabel: string;
  /** Whether the second step shows: the section holds it, so one asks at a time. */
  confirming: boolean;
  onAsk: () => void;
  onCancel: () => void;
  onConfirm: () => void;
  /** This action is running. */
  pending: boolean;
  /** Another action of the section is running. */
  disabled: boolean;
}

/**
 * A change that cannot be undone, asked in two steps in the page (no browser dialog): the first
 * button shows "Confirm …" and "Cancel" in its place, with focus on the confirmation; Escape or
 * Cancel goes back, with focus on the first button again.
 */
export function ConfirmButton(props: ConfirmButtonProps) {
  const { label, ariaLabel, confirmLabel, confirming, pending, disabled } = props;
  const first = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(confirming);

  useEffect(() => {
    // Back from the second step (Cancel, Escape): focus returns here, unless it went
    // somewhere on purpose (another row's confirmation took it).
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (wasConfirming.current && !confirming && lost) first.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  if (!confirming) {
    return (
      <button
        ref={first}
        type="button"
        className="button button-quiet button-small"
        aria-label={ariaLabel}
        disabled={disabled}
        onClick={props.onAsk}
      >
        {label}
      </button>
    );
  }

  const onKeyDown = (event: KeyboardEvent<HTMLSpanElement>): void => {
    if (event.key === 'Escape' && !pending) props.onCancel();
  };
  return (
    <span className="confirm" onKeyDown={onKeyDown}>
      <button
        type="button"
        className="button button-danger button-small"
        // The confirmation replaces the button that was pressed: focus moves onto it.
        autoFocus
        aria-label={pending ? confirmLabel : undefined}
        disabled={pending || disabled}
        onClick={props.onConfirm}
      >
        {pending ? 'Saving…' : confirmLabel}
      </button>
      <button
        type="button"
        className="button button-quiet button-small"
        disabled={pending}
        onClick={props.onCancel}
      >
        Cancel
      </button>
    </span>
  );
}
