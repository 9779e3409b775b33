import { hash, verify } from '@node-rs/argon2';
import { randomToken } from '../crypto/tokens';

/**
 * argon2id with OWASP's minimum (m = 19 MiB, t = 2, p = 1). Verification reads the parameters
 * from the stored hash, so raising them later keeps old hashes valid.
 */
export const ARGON2_OPTIONS = {
  // Algorithm.Argon2id; the package declares it as an ambient const enum, which isolatedModules
  // cannot read, so the value is spelled out.
  algorithm: 2,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/** Counts every argon2 verification, so a test can prove both failure paths do the same work. */
export const verificationCounter = { count: 0 };

/**
 * Verifies a password against a stored hash. With no stored hash (unknown user) it verifies
 * against a dummy hash of the same cost, so both failure paths take the same time.
 */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  dummyHash ??= hashPassword(randomToken(16));
  const target = storedHash ?? (await dummyHash);
  verificationCounter.count++;
  let matches = false;
  try {
    matches = await verify(target, password.slice(0, PASSWORD_MAX * 4));
  } catch {
    matches = false;
  }
  return storedHash !== undefined && matches;
}

/** A readable random password for first-run admins and resets: 4 groups of 5 characters. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = Buffer.from(randomToken(32), 'base64url');
  let out = '';
  for (let i = 0; out.replace(/-/g, '').length < 20 && i < bytes.length; i++) {
    const byte = bytes[i]!;
    // Rejection sampling keeps the distribution uniform.
    if (byte >= 256 - (256 % alphabet.length)) continue;
    if (out.length > 0 && out.replace(/-/g, '').length % 5 === 0) out += '-';
    out += alphabet[byte % alphabet.length];
  }
  return out.length >= 23 ? out : generatePassword();
}
