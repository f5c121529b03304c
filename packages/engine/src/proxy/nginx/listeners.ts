/**
 * nginx's settings from the listeners `berth up` and `berth agent run` give either edge
 * (`host:port`, `:port` for every address): the supervisor prepares the prefix with them and the
 * agent renders every version with them, so both must derive them the same way.
 */
import { listenPort, checkSettings, type NginxSettings } from './values.js';

export function nginxSettingsFor(listeners: {
  httpListen: string;
  httpsListen: string | null;
  /** `--hsts-max-age`; null or absent: no HSTS. */
  hstsMaxAge?: number | null;
}): NginxSettings {
  const settings: NginxSettings = {
    httpListen: listeners.httpListen,
    httpsListen: listeners.httpsListen,
    // Redirects name the port clients reach: the listener's own (443 and 80 drop out of the URL).
    httpsPublicPort: listeners.httpsListen === null ? 443 : listenPort(listeners.httpsListen),
    httpPublicPort: listenPort(listeners.httpListen),
    ...(typeof listeners.hstsMaxAge === 'number' && { hstsMaxAge: listeners.hstsMaxAge }),
  };
  checkSettings(settings);
  return settings;
}
