import { safeHref } from './safe-url.js';

/** A URL from data: a link when safeHref allows it, plain text otherwise. */
export function ExternalLink({ url }: { url: string }) {
  const href = safeHref(url);
  if (href === null) return <span className="mono">{url}</span>;
  return (
    <a className="mono" href={href} rel="noopener noreferrer">
      {url}
    </a>
  );
}
