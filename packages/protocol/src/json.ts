/** A message's text as JSON, or null when it is not JSON: what arrives on a link is checked by a schema next. */
export function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
