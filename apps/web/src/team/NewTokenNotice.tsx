import { useRef, useState } from 'react';
import type { NewApiToken } from '../api/paths.js';
import { copyText, type CopyResult } from './clipboard.js';

const COPY_WORDS: Readonly<Record<CopyResult, string>> = {
  copied: 'Copied to the clipboard.',
  unavailable: 'This page has no clipboard (it needs HTTPS): the token is selected, copy it with your keys.',
  failed: 'The browser refused the copy: the token is selected, copy it with your keys.',
};

/**
 * A token berthd just made: its value is in this answer only, so it shows here once, read only,
 * until dismissed or the page is left.
 */
export function NewTokenNotice({ token, onDone }: { token: NewApiToken; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<CopyResult | null>(null);

  const copy = async (): Promise<void> => {
    const result = await copyText(navigator.clipboard, token.token);
    if (result !== 'copied') field.current?.select();
    setCopied(result);
  };

  return (
    <div className="token-once">
      <h3 id="new-token-heading">Token {token.name} created</h3>
      <p className="token-once-warning">
        Copy it now: it will not be shown again. berthd keeps only a hash of it.
      </p>
      <div className="inline-fields">
        <div className="field">
          <label htmlFor="new-token">New token</label>
          <input
            ref={field}
            id="new-token"
            type="text"
            className="mono"
            readOnly
            // Focus moves here when the token appears, so it is heard and ready to copy.
            autoFocus
            spellCheck={false}
            autoComplete="off"
            value={token.token}
            onFocus={(e) => e.currentTarget.select()}
          />
        </div>
        <button type="button" className="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="button button-quiet" onClick={onDone}>
          Done
        </button>
      </div>
      <p role="status" className="status-text">
        {copied ? COPY_WORDS[copied] : ''}
      </p>
    </div>
  );
}
