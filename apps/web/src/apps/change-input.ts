/**
 * What the app page's forms send, checked as berthd checks it (openapi.yaml: patchEnv,
 * patchSecrets, scaleApp, deployApp), so a typo is named before a request is made. berthd
 * checks again and decides.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** An environment variable's or a secret's name. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_VALUE = 32_768;
export const MAX_REPLICAS = 64;

export const isVariableName = (name: string): boolean => VARIABLE_NAME.test(name);

export const VARIABLE_NAME_RULE =
  'A name starts with a letter or _ and has only letters, digits and _ (at most 128).';

/** `NAME=value`: the value is everything after the first `=`, kept as typed (it may be empty). */
export function parseAssignment(input: string): Parsed<{ name: string; value: string }> {
  const at = input.indexOf('=');
  if (at === -1) return { ok: false, error: 'Write it as NAME=value.' };
  const name = input.slice(0, at).trim();
  const value = input.slice(at + 1);
  if (name === '') return { ok: false, error: 'Name the variable before the =.' };
  if (!isVariableName(name))
    return { ok: false, error: `${name} is not a variable name. ${VARIABLE_NAME_RULE}` };
  if (value.length > MAX_VALUE)
    return { ok: false, error: `The value is longer than ${MAX_VALUE} characters.` };
  return { ok: true, value: { name, value } };
}

/** A secret to set: a valid name and a value of at most 32 KiB characters (not trimmed). */
export function parseSecret(name: string, value: string): Parsed<{ name: string; value: string }> {
  const trimmed = name.trim();
  if (!isVariableName(trimmed)) return { ok: false, error: `Not a secret name. ${VARIABLE_NAME_RULE}` };
  if (value === '') return { ok: false, error: 'Give the secret a value.' };
  if (value.length > MAX_VALUE)
    return { ok: false, error: `The value is longer than ${MAX_VALUE} characters.` };
  return { ok: true, value: { name: trimmed, value } };
}

/** A whole number of replicas from 0 (stopped) to 64. */
export function parseReplicas(input: string): Parsed<number> {
  const text = input.trim();
  const n = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n > MAX_REPLICAS) {
    return { ok: false, error: `Give a whole number from 0 to ${MAX_REPLICAS}.` };
  }
  return { ok: true, value: n };
}

// distribution/reference's grammar with lower-case registries, as packages/protocol's IMAGE_REF
// (which the dashboard may not import): a typo is named at its field before anything is sent.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?';
const IMAGE_REF = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?`;
// Not an image id (sha256:… or bare hex): the engine would take it for any image in its store.
const DEPLOY_IMAGE = new RegExp(`^(?!sha256:)(?![0-9a-f]+$)${IMAGE_REF}$`);
const MAX_IMAGE = 255;

export const IMAGE_RULE = `Not an image reference: write it like nginx:1.27, localhost/hello:1 or ghcr.io/acme/api@sha256:…, at most ${MAX_IMAGE} characters.`;

export const isDeployImage = (image: string): boolean =>
  image.length <= MAX_IMAGE && DEPLOY_IMAGE.test(image);

/** The image to deploy; empty means the app's current one again (a redeploy). */
export function parseImage(input: string): Parsed<string | null> {
  const image = input.trim();
  if (image === '') return { ok: true, value: null };
  if (!isDeployImage(image)) return { ok: false, error: IMAGE_RULE };
  return { ok: true, value: image };
}
