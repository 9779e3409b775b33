import { generateSecret, generateURI, verify } from 'otplib';
import { hashToken, randomToken } from '../crypto/tokens';

/**
 * TOTP (RFC 6238): 6 digits, 30 s steps, SHA-1 — what every authenticator app speaks.
 * A code is accepted one step either side of now (clock drift), and never twice: the last
 * accepted step is stored and passed back as `afterTimeStep`.
 */
export const TOTP_ISSUER = 'Knockgate';

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(username: string, secret: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: username, secret });
}

export async function verifyTotp(
  secret: string,
  code: string,
  lastStep: number | null,
): Promise<{ valid: true; step: number } | { valid: false }> {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return { valid: false };
  try {
    const result = await verify({
      secret,
      token,
      epochTolerance: 30,
      ...(lastStep !== null ? { afterTimeStep: lastStep } : {}),
    });
    // The functional API's result type is the HOTP/TOTP union; TOTP results carry timeStep.
    const step = (result as { timeStep?: number }).timeStep;
    if (result.valid && typeof step === 'number') return { valid: true, step };
    return { valid: false };
  } catch {
    return { valid: false };
  }
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten one-time recovery codes like `k7m2p-x9qrt`. Only their hashes are stored. */
export function newRecoveryCodes(n = 10): string[] {
  const codes: string[] = [];
  while (codes.length < n) {
    const raw = Buffer.from(randomToken(16), 'base64url');
    let s = '';
    for (const byte of raw) {
      if (byte >= 256 - (256 % RECOVERY_ALPHABET.length)) continue;
      s += RECOVERY_ALPHABET[byte % RECOVERY_ALPHABET.length];
      if (s.length === 10) break;
    }
    if (s.length === 10) codes.push(`${s.slice(0, 5)}-${s.slice(5)}`);
  }
  return codes;
}

export function normalizeRecoveryCode(input: string): string | undefined {
  const s = input.trim().toLowerCase().replace(/[\s-]/g, '');
  if (s.length !== 10 || ![...s].every((c) => RECOVERY_ALPHABET.includes(c))) return undefined;
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

export const hashRecoveryCode = (code: string) => hashToken(`recovery:${code}`);
