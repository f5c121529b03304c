import type { SecretBox, SecretPurpose } from '@berth/crypto';
import type { AppSealedRow, SealedPurpose } from '@berth/store';

/**
 * Git credentials and webhook secrets, sealed like app secrets but under their own derived keys
 * (a git token never opens as an env secret) and bound to their app and purpose by the AAD.
 */

const KEY_PURPOSE: Record<SealedPurpose, SecretPurpose> = {
  'git-token': 'git-credential',
  'git-ssh-key': 'git-credential',
  'webhook-secret': 'webhook-secret',
};

const aad = (appId: string, purpose: SealedPurpose): string => `app-sealed:${appId}:${purpose}`;

export function sealAppValue(
  box: SecretBox,
  appId: string,
  purpose: SealedPurpose,
  plain: string,
  now: number,
): AppSealedRow {
  const sealed = box.seal(KEY_PURPOSE[purpose], plain, aad(appId, purpose));
  return { appId, purpose, value: sealed.value, keyId: sealed.keyId, createdAt: now, updatedAt: now };
}

export const openAppValue = (box: SecretBox, row: AppSealedRow): string =>
  box.open(KEY_PURPOSE[row.purpose], { keyId: row.keyId, value: row.value }, aad(row.appId, row.purpose));

/** The same value sealed under another box's current key: for `berth keys rotate`. */
export function resealAppValue(
  from: SecretBox,
  to: SecretBox,
  row: AppSealedRow,
): { value: string; keyId: string } {
  const sealed = to.seal(KEY_PURPOSE[row.purpose], openAppValue(from, row), aad(row.appId, row.purpose));
  return { value: sealed.value, keyId: sealed.keyId };
}
