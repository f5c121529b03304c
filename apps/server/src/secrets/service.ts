import { certificateKeyAad } from '../certificates/sealing.js';
import { notificationSecretAad } from '../notify/sealing.js';
import { rotateKeyring, retireKey, createSecretBox, loadKeyring, resealBackupKey } from '@berth/crypto';
import { storedBackupKey } from '../backups/backup-key.js';
import { targetSecretAad } from '../backups/targets.js';
import { databaseCredentialsAad } from '../databases/sealing.js';
import { BerthError, type SecretsPatch } from '@berth/protocol';
import type { AppRow, DeploymentRow, SecretRow, Store } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createMutator, rereleaseCurrent } from '../deploy/service.js';
import { findReplay, requesterOf, requireApp, type Idempotency } from '../deploy/rollout-steps.js';
import type { FleetView } from '../deploy/placement.js';
import { resealAppValue } from '../builds/sealed.js';
import { readChecks, saveChecks, secretAad, type KeyHolder } from './keys.js';

export type SecretsService = ReturnType<typeof createSecretsService>;

/**
 * App secrets and the master keys that seal them. A value is sealed the moment it arrives and
 * opened only to be sealed again for an agent; no plaintext is ever stored, logged or returned.
 */
export function createSecretsService(deps: {
  store: Store;
  clock: () => number;
  keys: KeyHolder;
  onChange: () => void;
  fleet: FleetView;
}) {
  const { store, clock, keys } = deps;
  const mutate = createMutator(store, clock, deps.onChange);

  return {
    list: async (app: AppRow): Promise<SecretRow[]> => store.secrets.list(app.id),

    /** Sets and unsets secrets; a deployed app gets a new release with them, rolled out. */
    patch: (appName: string, patch: SecretsPatch, idem: Idempotency, intent: AuditIntent) =>
      mutate(
        intent,
        async (tx, now): Promise<{ app: AppRow; deployment: DeploymentRow | null; changed: boolean }> => {
          const app = await requireApp(tx, appName);
          const replay = await findReplay(tx, app, idem);
          if (replay) return { app, deployment: replay, changed: true };
          let changed = false;
          for (const [key, value] of Object.entries(patch.set ?? {})) {
            const sealed = keys.box.seal('app-secret', value, secretAad(app.id, key));
            await tx.secrets.put({
              appId: app.id,
              key,
              value: sealed.value,
              keyId: sealed.keyId,
              filePath: patch.files?.[key] ?? null,
              createdAt: now,
              updatedAt: now,
            });
            changed = true;
          }
          for (const key of patch.unset ?? []) changed = (await tx.secrets.delete(app.id, key)) || changed;
          if (!changed) return { app, deployment: null, changed };
          requireDistinctPaths(await tx.secrets.list(app.id));
          return {
            app,
            deployment: await rereleaseCurrent(
              tx,
              deps.fleet,
              app,
              'secrets',
              idem,
              now,
              requesterOf(intent),
            ),
            changed,
          };
        },
      ),

    /** The keys, which one is current, and how many values each still seals. */
    async listKeys() {
      const inUse = await store.secrets.countByKeyId();
      return keys.keyring
        .ids()
        .map((id) => ({ id, current: id === keys.keyring.currentId, inUse: inUse[id] ?? 0 }));
    },

    /**
     * A new current key, then every sealed value (app and release secrets, git credentials, webhook secrets, notification signing secrets, certificate keys, the backup key, backup targets' credentials) re-sealed under it in
     * one transaction. If that transaction fails, the old key is still in the file and opens
     * everything; a retry re-seals what is left.
     */
    async rotate(intent: AuditIntent): Promise<{ current: string; previous: string; resealed: number }> {
      const previous = keys.keyring.currentId;
      const { newId } = await rotateKeyring(keys.file, { envKey: keys.envKey });
      const keyring = await loadKeyring({ file: keys.file, envKey: keys.envKey });
      const box = createSecretBox(keyring);
      const resealed = await store.transaction(async (tx) => {
        let n = 0;
        for (const s of await tx.secrets.listAll()) {
          const plain = keys.box.open(
            'app-secret',
            { keyId: s.keyId, value: s.value },
            secretAad(s.appId, s.key),
          );
          const sealed = box.seal('app-secret', plain, secretAad(s.appId, s.key));
          await tx.secrets.reseal(s.appId, s.key, sealed.value, sealed.keyId);
          n++;
        }
        for (const s of await tx.releaseSecrets.listAll()) {
          const release = await tx.releases.get(s.releaseId);
          if (!release) continue;
          const aad = secretAad(release.appId, s.key);
          const sealed = box.seal(
            'app-secret',
            keys.box.open('app-secret', { keyId: s.keyId, value: s.value }, aad),
            aad,
          );
          await tx.releaseSecrets.reseal(s.releaseId, s.key, sealed.value, sealed.keyId);
          n++;
        }
        for (const c of await tx.certificates.list()) {
          const aad = certificateKeyAad(c.id);
          const plain = keys.box.open('certificate-key', c.keySealed, aad);
          await tx.certificates.reseal(c.id, box.seal('certificate-key', plain, aad));
          n++;
        }
        for (const { domain, certificate: c } of await tx.baseCertificates.list()) {
          if (!c) continue;
          const aad = certificateKeyAad(c.id);
          const plain = keys.box.open('certificate-key', c.keySealed, aad);
          await tx.baseCertificates.reseal(domain, box.seal('certificate-key', plain, aad));
          n++;
        }
        for (const ch of await tx.notifications.listChannels(null)) {
          const aad = notificationSecretAad(ch.id);
          const plain = keys.box.open('notification-secret', ch.secretSealed, aad);
          await tx.notifications.resealChannel(ch.id, box.seal('notification-secret', plain, aad));
          n++;
        }
        for (const row of await tx.appSealed.listAll()) {
          const sealed = resealAppValue(keys.box, box, row);
          await tx.appSealed.reseal(row.appId, row.purpose, sealed.value, sealed.keyId);
          n++;
        }
        for (const k of await tx.backupKeys.list()) {
          await tx.backupKeys.reseal(k.recipientKeyId, resealBackupKey(keys.box, box, storedBackupKey(k)));
          n++;
        }
        for (const t of await tx.backupTargets.listAll()) {
          if (!t.secretSealed) continue;
          const aad = targetSecretAad(t.id);
          const plain = keys.box.open('backup-target-credential', t.secretSealed, aad);
          await tx.backupTargets.reseal(t.id, box.seal('backup-target-credential', plain, aad));
          n++;
        }
        for (const d of await tx.databases.list(null)) {
          const aad = databaseCredentialsAad(d.id);
          const plain = keys.box.open(
            'database-credentials',
            { value: d.sealedCredentials, keyId: d.keyId },
            aad,
          );
          const sealed = box.seal('database-credentials', plain, aad);
          await tx.databases.reseal(d.id, sealed.value, sealed.keyId);
          n++;
        }
        await saveChecks(tx, keyring, await readChecks(tx));
        await recordDone(tx, { ...intent, detail: { previous, current: newId, resealed: n } }, clock());
        return n;
      });
      keys.keyring = keyring;
      keys.box = box;
      return { current: newId, previous, resealed };
    },

    async retire(id: string, intent: AuditIntent): Promise<void> {
      if (!keys.keyring.has(id))
        throw new BerthError('KEY_NOT_FOUND', `There is no master key ${id}`, {
          hint: 'List them with: berth keys list',
        });
      const inUse = (await store.secrets.countByKeyId())[id] ?? 0;
      if (inUse > 0) {
        throw new BerthError('KEY_IN_USE', `Master key ${id} still seals ${inUse} value(s)`, {
          hint: 'Rotate first: berth keys rotate',
        });
      }
      await retireKey(keys.file, id, inUse, { envKey: keys.envKey });
      keys.keyring = await loadKeyring({ file: keys.file, envKey: keys.envKey });
      keys.box = createSecretBox(keys.keyring);
      await store.transaction((tx) => recordDone(tx, intent, clock()));
    },
  };
}

/** Two secrets mounted at one path would hide one of them: refused (the transaction rolls back). */
function requireDistinctPaths(secrets: readonly SecretRow[]): void {
  const byPath = new Map<string, string>();
  for (const s of secrets) {
    if (s.filePath === null) continue;
    const other = byPath.get(s.filePath);
    if (other !== undefined) {
      throw new BerthError(
        'VALIDATION_FAILED',
        `${other} and ${s.key} would both be mounted at ${s.filePath}`,
        {
          issues: [{ path: `body.files.${s.key}`, message: `${s.filePath} is already the file of ${other}` }],
          hint: `Pick another path, or unset ${other} first: berth secrets unset APP ${other}`,
        },
      );
    }
    byPath.set(s.filePath, s.key);
  }
}
