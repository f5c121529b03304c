/**
 * Password hashing: argon2id (via @node-rs/argon2, a prebuilt binary; no native build here).
 *
 * Guarantees: hashes use at least PASSWORD_HASH_PARAMS, each with its own random salt, in the
 * PHC string format (parameters travel with the hash, so they can be raised later without
 * breaking old hashes: see needsRehash). verifyPassword never throws for a bad stored hash, and
 * costs the same for an unknown account as for a real one, so response times do not reveal
 * which emails have accounts.
 */
import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify } from '@node-rs/argon2';
import type { Algorithm } from '@node-rs/argon2';
import { BerthError } from '@berth/protocol';

// The library declares Algorithm as a `const enum`, which isolatedModules cannot read at
// runtime; 2 is its Argon2id member (checked by the type).
const ARGON2ID: Algorithm.Argon2id = 2;

/**
 * OWASP Password Storage Cheat Sheet's minimum for argon2id: m = 19 MiB (19456 KiB), t = 2,
 * p = 1. About 50 ms per hash on a typical server core; raise memoryCost first when there is
 * room, since memory is what makes GPU cracking expensive.
 */
export const PASSWORD_HASH_PARAMS = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
});

export const PASSWORD_MIN_LENGTH = 10;
/** Long enough for any passphrase or manager, short enough that hashing cannot be a DoS. */
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * NFKC (as NIST SP 800-63B advises), so the same password typed on keyboards that compose
 * accents differently still matches.
 */
const normalize = (password: string): string => password.normalize('NFKC');

/** Length in characters (code points), not UTF-16 units. */
function characters(password: string): number {
  // Code points never exceed UTF-16 units, and units are at most twice the code points: skip
  // the spread for absurd inputs.
  if (password.length > PASSWORD_MAX_LENGTH * 2) return password.length;
  return [...password].length;
}

/** Throws VALIDATION_FAILED (path `password`) when a new password breaks the length rules. */
export function checkPasswordRules(password: string): void {
  const n = characters(password);
  const message =
    n < PASSWORD_MIN_LENGTH
      ? `must be at least ${PASSWORD_MIN_LENGTH} characters`
      : n > PASSWORD_MAX_LENGTH
        ? `must be at most ${PASSWORD_MAX_LENGTH} characters`
        : null;
  if (message !== null) {
    throw new BerthError('VALIDATION_FAILED', `password ${message}`, {
      issues: [{ path: 'password', message }],
    });
  }
}

/** Hashes a new password (after checking its length) into a PHC string to store. */
export async function hashPassword(password: string): Promise<string> {
  const normalized = normalize(password);
  checkPasswordRules(normalized);
  return hash(normalized, PASSWORD_HASH_PARAMS);
}

let dummy: Promise<string> | undefined;

/**
 * A real hash of a random string, made once on first use: verifying against it costs what a
 * real verification costs, and no password matches it.
 */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hash(randomBytes(32).toString('base64url'), PASSWORD_HASH_PARAMS).catch((e: unknown) => {
    dummy = undefined;
    throw e;
  });
  return dummy;
}

/**
 * True when `password` matches `storedHash`. Pass null for an account that does not exist: the
 * dummy hash is verified instead (same cost) and the answer is false. A malformed stored hash
 * or an over-long password is false, never an exception.
 */
export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  const target = storedHash ?? (await dummyPasswordHash());
  const tooLong = characters(password) > PASSWORD_MAX_LENGTH;
  try {
    // An over-long password can never match (hashPassword refuses them), but it still costs
    // one verification, so it is not a faster way to probe.
    const ok = await verify(target, tooLong ? '' : normalize(password));
    return ok && storedHash !== null && !tooLong;
  } catch {
    return false;
  }
}

/** True when a stored hash is weaker than PASSWORD_HASH_PARAMS (or unreadable): re-hash at login. */
export function needsRehash(storedHash: string): boolean {
  try {
    const o = parseOptions(storedHash);
    const p = PASSWORD_HASH_PARAMS;
    return (
      o.algorithm !== p.algorithm ||
      o.memoryCost < p.memoryCost ||
      o.timeCost < p.timeCost ||
      o.outputLen < p.outputLen
    );
  } catch {
    return true;
  }
}
