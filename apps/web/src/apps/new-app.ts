import { isName } from '../routing/routes.js';
import { IMAGE_RULE, isDeployImage } from './change-input.js';

/**
 * The overview's New app form, checked as berthd checks createApp (packages/protocol's AppName,
 * DeployImageRef, Port and HttpPath; the dashboard may not import them), so a typo is named at
 * its field before anything is sent. berthd checks again and decides.
 */

export type NewAppField = 'name' | 'image' | 'port' | 'health';

export interface NewAppInput {
  name: string;
  image: string;
  port: string;
  health: string;
}

/** What createApp is sent, but for the team (useCreateApp adds the one the page shows). */
export interface NewAppRequest {
  name: string;
  image: string;
  port: number;
  health?: { path: string };
}

export type NewAppParsed =
  { ok: true; value: NewAppRequest } | { ok: false; field: NewAppField; error: string };

/** What `berth apps create` and berthd use when no port is given. */
export const DEFAULT_PORT = 8080;

export const EMPTY_NEW_APP: NewAppInput = { name: '', image: '', port: String(DEFAULT_PORT), health: '' };

export const APP_NAME_RULE =
  'Lower-case letters, digits and single hyphens, at most 32, starting with a letter and not ending with a hyphen.';

const HTTP_PATH = /^\/[A-Za-z0-9\-._~/%]*(?:\?[A-Za-z0-9\-._~=&%]*)?$/;
const MAX_PATH = 256;

export const isAppName = (name: string): boolean => isName(name) && !name.includes('--');

/** The first field that is wrong, in the order they are shown, or the request to send. */
export function parseNewApp(input: NewAppInput): NewAppParsed {
  const name = input.name.trim();
  if (name === '') return { ok: false, field: 'name', error: 'Name the app.' };
  if (!isAppName(name))
    return { ok: false, field: 'name', error: `${name} is not an app name. ${APP_NAME_RULE}` };

  const image = input.image.trim();
  if (image === '') return { ok: false, field: 'image', error: 'Give the image to run, e.g. nginx:1.27.' };
  if (!isDeployImage(image)) {
    return {
      ok: false,
      field: 'image',
      error: IMAGE_RULE,
    };
  }

  const portText = input.port.trim();
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    return {
      ok: false,
      field: 'port',
      error: 'Give the port the app listens on: a whole number from 1 to 65535.',
    };
  }

  const path = input.health.trim();
  if (path !== '' && (path.length > MAX_PATH || !HTTP_PATH.test(path))) {
    return {
      ok: false,
      field: 'health',
      error: `Give an absolute path like / or /healthz (letters, digits, - . _ ~ / % and a simple query), at most ${MAX_PATH} characters, or leave it empty.`,
    };
  }

  return { ok: true, value: { name, image, port, ...(path === '' ? {} : { health: { path } }) } };
}

/** Whether the form still holds what was sent: only then may its answer clear it or leave the page. */
export const sameInput = (a: NewAppInput, b: NewAppInput): boolean =>
  a.name === b.name && a.image === b.image && a.port === b.port && a.health === b.health;
