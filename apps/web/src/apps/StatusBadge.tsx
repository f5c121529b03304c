import { statusWords, type Tone } from './app-status.js';

export function StatusBadge({ status, tone }: { status: string; tone: Tone }) {
  return <span className={`badge badge-${tone}`}>{statusWords(status)}</span>;
}
