/**
 * Certificates for the API-SSL listener. A fresh RouterOS has no certificate (anonymous DH); the
 * simulator uses a self-signed one instead, which clients verify by CA or by pinned fingerprint.
 */
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface SimCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the DER certificate, upper-case hex pairs joined by ':' (as Node prints it). */
  fingerprint256: string;
}

let cached: Promise<SimCertificate> | null = null;

export function certificateFromPem(cert: string, key: string): SimCertificate {
  return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
}

/** One self-signed certificate per process: RSA key generation is slow enough to matter in tests. */
export function defaultCertificate(): Promise<SimCertificate> {
  cached ??= generate([{ name: 'commonName', value: 'knockgate-sim' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 3650 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  }).then((pems) => certificateFromPem(pems.cert, pems.private));
  return cached;
}
