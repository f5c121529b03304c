import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditSigningKeys, createAuditSigner, verifyAuditSignature } from './audit-signing.js';
import { loadKeyring, rotateKeyring } from './keyring.js';

test('audit anchors: signed by the current master key, verified by its public key only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-audit-sign-'));
  try {
    const file = join(dir, 'master.key');
    const keyring = await loadKeyring({ file, create: true });
    const signer = createAuditSigner(keyring);
    const signature = signer.sign('statement');
    assert.equal(signer.keyId, keyring.currentId);
    assert.equal(createAuditSigner(keyring).publicKey, signer.publicKey, 'derived: the same key every time');
    assert.equal(verifyAuditSignature(signer.publicKey, 'statement', signature), true);
    assert.equal(verifyAuditSignature(signer.publicKey, 'statement!', signature), false);
    for (const junk of ['', 'not base64', signature.slice(1), 'AAAA'])
      assert.equal(verifyAuditSignature(signer.publicKey, 'statement', junk), false);
    assert.equal(verifyAuditSignature('AAAA', 'statement', signature), false, 'a malformed key is false');

    await rotateKeyring(file);
    const rotated = await loadKeyring({ file });
    const next = createAuditSigner(rotated);
    assert.notEqual(next.publicKey, signer.publicKey, 'each master key has its own signing key');
    assert.equal(verifyAuditSignature(next.publicKey, 'statement', signature), false);
    assert.deepEqual(
      auditSigningKeys(rotated)
        .map((k) => k.keyId)
        .sort(),
      rotated.ids().sort(),
      'a public key per master key, old ones too',
    );
    const envKey = (await loadKeyring({ file, envKey: Buffer.alloc(32, 7).toString('base64') })).currentId;
    assert.match(envKey, /^mk_/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
