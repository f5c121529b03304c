import { useId, useRef, useState } from 'react';
import { copyText, type CopyResult } from '../team/clipboard.js';

const COPY_WORDS: Readonly<Record<CopyResult, string>> = {
  copied: 'Copied to the clipboard.',
  unavailable: 'This page has no clipboard (it needs HTTPS): the text is selected, copy it with your keys.',
  failed: 'The browser refused the copy: the text is selected, copy it with your keys.',
};

/**
 * A value to paste elsewhere (a webhook URL, its secret): read only, selected on focus, with a
 * Copy button whose outcome is said in words. Where the page has no clipboard, the value is
 * selected for the person to copy.
 */
export function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<CopyResult | null>(null);

  const copy = async (): Promise<void> => {
    const result = await copyText(navigator.clipboard, value);
    if (result !== 'copied') field.current?.select();
    setCopied(result);
  };

  return (
    <div className="copy-field">
      <div className="inline-fields">
        <div className="field">
          <label htmlFor={id}>{label}</label>
          <input
            ref={field}
            id={id}
            type="text"
            className="mono"
            readOnly
            spellCheck={false}
            autoComplete="off"
            value={value}
            onFocus={(e) => e.currentTarget.select()}
          />
        </div>
        <button
          type="button"
          className="button button-quiet"
          aria-label={`Copy ${label}`}
          onClick={() => void copy()}
        >
          Copy
        </button>
      </div>
      <p role="status" className="status-text">
        {copied ? COPY_WORDS[copied] : ''}
      </p>
    </div>
  );
}
