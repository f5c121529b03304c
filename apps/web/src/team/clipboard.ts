/** How a copy went: `unavailable` where the page has no clipboard (plain http off localhost). */
export type CopyResult = 'copied' | 'unavailable' | 'failed';

/** The part of the Clipboard API used (navigator.clipboard in the page). */
export interface TextClipboard {
  writeText(text: string): Promise<void>;
}

/** Writes the text to the clipboard given, if the page has one. */
export async function copyText(clipboard: TextClipboard | undefined, text: string): Promise<CopyResult> {
  if (!clipboard) return 'unavailable';
  try {
    await clipboard.writeText(text);
    return 'copied';
  } catch {
    // Refused (no permission, the page not focused): the person copies it by hand.
    return 'failed';
  }
}
