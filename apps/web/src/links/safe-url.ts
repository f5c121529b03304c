/**
 * An href for a URL that comes from data (an app's URL, a domain): a path on this origin
 * (`/apps/web`) or an absolute http(s) URL without credentials; null for anything else, which
 * is then shown as text only. So no `javascript:`, `data:` or `vbscript:` link, and no
 * protocol-relative `//host` or `/\host` path that leaves the origin.
 */
export function safeHref(value: string): string | null {
  // Browsers drop tabs and newlines inside URLs ("java\tscript:"), and read "\" as "/".
  if (value === '' || value.length > 2048 || /[\u0000-\u0020\u007f\\]/.test(value)) return null;
  if (value.startsWith('/')) return value.startsWith('//') ? null : value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url.href;
}
