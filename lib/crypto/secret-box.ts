import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for the few secrets Knockgate must read back (router passwords, TOTP
 * secrets): AES-256-GCM with a key derived from KNOCKGATE_SECRET by HKDF, one key per purpose,
 * so a value sealed for one purpose cannot be opened as another.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>` (base64url parts).
 */
export type SecretPurpose = 'router-password' | 'totp-secret' | 'profile-secret' | 'webhook-secret';

export class SecretBoxError extends Error {
  readonly code = 'secret_unreadable';
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export function createSecretBox(masterSecret: string) {
  const keys = new Map<SecretPurpose, Buffer>();
  const keyFor = (purpose: SecretPurpose) => {
    let key = keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', masterSecret, 'knockgate-secret-box', purpose, 32));
      keys.set(purpose, key);
    }
    return key;
  };

  return {
    seal(plaintext: string, purpose: SecretPurpose): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keyFor(purpose), iv);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return ['v1', iv.toString('base64url'), body.toString('base64url'), tag.toString('base64url')].join(
        '.',
      );
    },
    open(sealed: string, purpose: SecretPurpose): string {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== 'v1' || iv === undefined || body === undefined || tag === undefined) {
        throw new SecretBoxError('Stored secret has an unknown format.');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', keyFor(purpose), Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SecretBoxError(
          'Stored secret cannot be decrypted: KNOCKGATE_SECRET differs from the one it was saved with.',
        );
      }
    },
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;
