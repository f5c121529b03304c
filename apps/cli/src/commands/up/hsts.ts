import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';

/**
 * `--hsts-max-age` needs `--https-port`: HSTS is sent over HTTPS only (RFC 6797 7.2), so without
 * a listener it would silently do nothing. Returns the edge's setting; null: no HSTS.
 */
export function checkHstsFlag(opts: { hstsMaxAge?: number; httpsPort?: number }): number | null {
  if (opts.hstsMaxAge === undefined) return null;
  if (opts.httpsPort === undefined)
    throw new CliError(
      '--hsts-max-age needs --https-port: HSTS is only ever sent over HTTPS',
      EXIT.userError,
      'Add --https-port (e.g. --https-port 443), or leave --hsts-max-age out',
    );
  return opts.hstsMaxAge;
}
