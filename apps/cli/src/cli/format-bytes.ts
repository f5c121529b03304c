const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Bytes as a person reads them (decimal units, as `du -h --si` and S3 consoles show them). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}
