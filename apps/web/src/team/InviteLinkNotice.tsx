import { useRef, useState } from 'react';
import type { NewInvitation } from '../api/paths.js';
import { copyText, type CopyResult } from './clipboard.js';
import { inviteLink } from './members.js';

const COPY_WORDS: Readonly<Record<CopyResult, string>> = {
  copied: 'Copied to the clipboard.',
  unavailable: 'This page has no clipboard (it needs HTTPS): the link is selected, copy it with your keys.',
  failed: 'The browser refused the copy: the link is selected, copy it with your keys.',
};

/**
 * An invitation berthd just made, with its one-time link: the token in it is in this answer
 * only, so it shows here once, read only, until dismissed or the page is left.
 */
export function InviteLinkNotice({ invitation, onDone }: { invitation: NewInvitation; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<CopyResult | null>(null);
  const { email, role } = invitation.invitation;
  const setup = invitation.setup;
  const link = setup === null ? null : inviteLink(window.location.origin, setup.token);

  const copy = async (): Promise<void> => {
    if (link === null) return;
    const result = await copyText(navigator.clipboard, link);
    if (result !== 'copied') field.current?.select();
    setCopied(result);
  };

  return (
    <div className="token-once">
      <h3>
        Invited <span className="mono">{email}</span> as {role}
      </h3>
      {link === null || setup === null ? (
        <div className="form-actions">
          <p>berthd made no link for this invitation: they accept it after logging in, on their Team page.</p>
          <button type="button" className="button button-quiet" onClick={onDone}>
            Done
          </button>
        </div>
      ) : (
        <>
          <p className="token-once-warning">
            Send this link to {email} yourself, now: it is not shown again. It works once, until{' '}
            <time dateTime={setup.expiresAt}>{new Date(setup.expiresAt).toLocaleString()}</time>, and whoever
            opens it sets the account&apos;s password.
          </p>
          <div className="inline-fields">
            <div className="field">
              <label htmlFor="invite-link">Invite link</label>
              <input
                ref={field}
                id="invite-link"
                type="text"
                className="mono"
                readOnly
                // Focus moves here when the link appears, so it is heard and ready to copy.
                autoFocus
                spellCheck={false}
                autoComplete="off"
                value={link}
                onFocus={(e) => e.currentTarget.select()}
              />
            </div>
            <button type="button" className="button" onClick={() => void copy()}>
              Copy link
            </button>
            <button type="button" className="button button-quiet" onClick={onDone}>
              Done
            </button>
          </div>
          <p>
            Someone who already has an account here does not need the link: they log in and accept the
            invitation on their Team page.
          </p>
        </>
      )}
      <p role="status" className="status-text">
        {copied ? COPY_WORDS[copied] : ''}
      </p>
    </div>
  );
}
