import { describe, expect, it } from 'vitest';
import { createSecretBox, SecretBoxError } from './secret-box';

const box = createSecretBox('a'.repeat(40));

describe('secret box', () => {
  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('hunter2-router-pass', 'router-password');
    expect(sealed).not.toContain('hunter2');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed, 'router-password')).toBe('hunter2-router-pass');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('x', 'router-password')).not.toBe(box.seal('x', 'router-password'));
  });

  it('refuses another purpose, another secret and tampering', () => {
    const sealed = box.seal('secret', 'router-password');
    expect(() => box.open(sealed, 'totp-secret')).toThrow(SecretBoxError);
    expect(() => createSecretBox('b'.repeat(40)).open(sealed, 'router-password')).toThrow(/KNOCKGATE_SECRET/);
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'router-password')).toThrow(SecretBoxError);
    expect(() => box.open('garbage', 'router-password')).toThrow(/unknown format/);
  });
});
