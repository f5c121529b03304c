/**
 * Saves a file the page made: a link to an object URL, clicked. A download is a navigation, not
 * a fetch, so the dashboard's CSP (connect-src and default-src 'self') needs no `blob:` for it.
 */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Let go of the file once the browser has surely read it; revoked at once, some browsers lose it.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
