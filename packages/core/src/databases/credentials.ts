/**
 * A database's credentials, made by Berth: the user and database are fixed words (never the
 * person's name for the database, so nothing typed reaches SQL), the password is 32 characters
 * of [A-Za-z0-9] (190 bits) drawn from the random source passed in, without modulo bias. Only
 * letters and digits: the password goes into a URL and a config line with nothing to escape,
 * and the images' entrypoint refuses anything else.
 */
export interface DatabaseCredentials {
  user: string;
  password: string;
  database: string;
}

/** `randomBytes` from node:crypto in berthd; a fixed sequence in tests. */
export type RandomSource = (size: number) => Uint8Array;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const DATABASE_PASSWORD_LENGTH = 32;
export const DATABASE_USER = 'app';
export const DATABASE_DBNAME = 'app';

/** The largest multiple of 62 below 256: bytes at or above it are drawn again. */
const LIMIT = 256 - (256 % ALPHABET.length);

export function generateDatabasePassword(random: RandomSource): string {
  let out = '';
  for (let rounds = 0; out.length < DATABASE_PASSWORD_LENGTH; rounds++) {
    if (rounds > 64) throw new Error('the random source keeps returning unusable bytes');
    for (const byte of random(DATABASE_PASSWORD_LENGTH * 2)) {
      if (byte >= LIMIT) continue;
      out += ALPHABET[byte % ALPHABET.length];
      if (out.length === DATABASE_PASSWORD_LENGTH) break;
    }
  }
  return out;
}

export const generateDatabaseCredentials = (random: RandomSource): DatabaseCredentials => ({
  user: DATABASE_USER,
  password: generateDatabasePassword(random),
  database: DATABASE_DBNAME,
});

export const DATABASE_PASSWORD_PATTERN = /^[A-Za-z0-9]{32}$/;
