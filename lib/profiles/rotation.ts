/**
 * Rotating knock sequences, TOTP-style: the time is cut into windows of `period`, window number
 * `counter = floor(now / period)`, and the TCP/UDP step ports of a window are derived from
 * HMAC-SHA256(secret, counter). A pure function of (secret, counter): every app instance computes
 * the same ports, the reconciler rewrites the router's `dst-port` values when the window changes,
 * and a captured sequence stops working with its window.
 *
 * Server-only (node:crypto). The secret is stored encrypted by the caller, like router credentials;
 * it is never part of the profile, the rules or the .rsc export.
 */
import { createHmac } from 'node:crypto';
import { durationMs, serviceClientPorts, stepTransport, type ValidProfile, validateProfile } from './model';

export const MIN_SECRET_BYTES = 16;
/** Candidate values drawn before giving up; with ≥ 64 free ports this is never reached in practice. */
const MAX_BLOCKS = 64;
const CONTEXT = new TextEncoder().encode('knockgate-rotation:v1');

export type RotationWindow = { counter: number; startsAtMs: number; endsAtMs: number };

export type RotationErrorCode =
  | 'weak_secret'
  | 'not_rotating'
  | 'invalid_range'
  | 'invalid_time'
  | 'exhausted';
export type RotationError = { code: RotationErrorCode; message: string };
export type RotationResult<T> = { ok: true; value: T } | { ok: false; error: RotationError };

const fail = <T>(code: RotationErrorCode, message: string): RotationResult<T> => ({
  ok: false,
  error: { code, message },
});

function secretBytes(secret: Uint8Array | string): Uint8Array {
  return typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
}

export function rotationWindow(atMs: number, periodMs: number): RotationResult<RotationWindow> {
  if (!Number.isSafeInteger(atMs) || atMs < 0)
    return fail('invalid_time', 'The time must be a non-negative integer (ms).');
  if (!Number.isSafeInteger(periodMs) || periodMs <= 0)
    return fail('invalid_time', 'The period must be positive.');
  const counter = Math.floor(atMs / periodMs);
  return { ok: true, value: { counter, startsAtMs: counter * periodMs, endsAtMs: (counter + 1) * periodMs } };
}

function block(secret: Uint8Array, counter: number, index: number): Buffer {
  const message = Buffer.alloc(CONTEXT.length + 12);
  message.set(CONTEXT, 0);
  message.writeBigUInt64BE(BigInt(counter), CONTEXT.length);
  message.writeUInt32BE(index, CONTEXT.length + 8);
  return createHmac('sha256', secret).update(message).digest();
}

/**
 * `count` distinct ports in [min, max] for window `counter`, none of them in `exclude`.
 * Uniform: 32-bit draws outside the largest multiple of the range size are rejected (no modulo bias).
 */
export function derivePorts(
  secret: Uint8Array | string,
  counter: number,
  count: number,
  range: { min: number; max: number },
  exclude: Iterable<number> = [],
): RotationResult<number[]> {
  const key = secretBytes(secret);
  if (key.length < MIN_SECRET_BYTES)
    return fail('weak_secret', `The secret needs at least ${MIN_SECRET_BYTES} bytes.`);
  if (!Number.isSafeInteger(counter) || counter < 0)
    return fail('invalid_time', 'The window counter must be ≥ 0.');
  const { min, max } = range;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65_535 || min > max) {
    return fail('invalid_range', 'The port range must lie within 1–65535.');
  }
  const excluded = new Set(exclude);
  const size = max - min + 1;
  const limit = Math.floor(2 ** 32 / size) * size;
  const ports: number[] = [];
  for (let j = 0; j < MAX_BLOCKS && ports.length < count; j += 1) {
    const bytes = block(key, counter, j);
    for (let k = 0; k + 4 <= bytes.length && ports.length < count; k += 4) {
      const value = bytes.readUInt32BE(k);
      if (value >= limit) continue;
      const port = min + (value % size);
      if (!excluded.has(port) && !ports.includes(port)) ports.push(port);
    }
  }
  if (ports.length < count) return fail('exhausted', 'Not enough free ports in the rotation range.');
  return { ok: true, value: ports };
}

/**
 * The profile as it is during the window containing `atMs`: its tcp/udp step ports replaced by the
 * derived ones (ports of data steps, the service and decoys are excluded from the draw).
 */
export function rotatedProfile(
  profile: ValidProfile,
  secret: Uint8Array | string,
  atMs: number,
): RotationResult<{ profile: ValidProfile; window: RotationWindow }> {
  const rotation = profile.rotation;
  if (!rotation) return fail('not_rotating', `Profile ${profile.id} has no rotation.`);
  const periodMs = durationMs(rotation.period);
  if (periodMs === null)
    return fail('invalid_time', `Rotation period "${rotation.period}" is not a duration.`);
  const window = rotationWindow(atMs, periodMs);
  if (!window.ok) return window;

  const rotating = profile.steps.flatMap((step, i) =>
    step.kind === 'tcp' || step.kind === 'udp' ? [i] : [],
  );
  const fixed = profile.steps.flatMap((step, i) => {
    const t = stepTransport(step);
    return t && !rotating.includes(i) ? [t.port] : [];
  });
  const exclude = [
    ...fixed,
    ...serviceClientPorts(profile.service).ports,
    ...profile.options.decoys.map((d) => d.port),
  ];
  const ports = derivePorts(
    secret,
    window.value.counter,
    rotating.length,
    { min: rotation.portMin, max: rotation.portMax },
    exclude,
  );
  if (!ports.ok) return ports;

  const steps = profile.steps.map((step, i) => {
    const at = rotating.indexOf(i);
    return at >= 0 && (step.kind === 'tcp' || step.kind === 'udp')
      ? { ...step, port: ports.value[at]! }
      : step;
  });
  const checked = validateProfile({ ...profile, steps });
  if (!checked.ok) return fail('exhausted', checked.errors.map((e) => e.message).join(' '));
  return { ok: true, value: { profile: checked.profile, window: window.value } };
}
