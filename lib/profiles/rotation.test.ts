import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRules } from './generate';
import { planApply } from './plan';
import { derivePorts, rotatedProfile, rotationWindow } from './rotation';
import { makeProfile } from './testing/factories';
import { RouterTableModel } from './testing/router-tables';

const SECRET = 'correct horse battery staple';
const range = { min: 10_000, max: 65_000 };

describe('derivePorts', () => {
  it('is a pure function of secret and window (fixed vector guards the derivation)', () => {
    const first = derivePorts(SECRET, 1, 3, range);
    expect(first).toEqual(derivePorts(new TextEncoder().encode(SECRET), 1, 3, range));
    expect(first).toEqual({ ok: true, value: [expect.any(Number), expect.any(Number), expect.any(Number)] });
    expect(first).toMatchInlineSnapshot(`
      {
        "ok": true,
        "value": [
          37416,
          57282,
          35886,
        ],
      }
    `);
  });

  it('gives distinct in-range ports that avoid the excluded ones, for any window', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.integer({ min: 1, max: 10 }), (counter, count) => {
        const exclude = [10_001, 10_002, 10_003];
        const result = derivePorts(SECRET, counter, count, { min: 10_000, max: 10_099 }, exclude);
        if (!result.ok) throw new Error(result.error.message);
        expect(new Set(result.value).size).toBe(count);
        for (const port of result.value) {
          expect(port).toBeGreaterThanOrEqual(10_000);
          expect(port).toBeLessThanOrEqual(10_099);
          expect(exclude).not.toContain(port);
        }
      }),
    );
  });

  it('changes with the window and with the secret', () => {
    const a = derivePorts(SECRET, 100, 3, range);
    expect(derivePorts(SECRET, 101, 3, range)).not.toEqual(a);
    expect(derivePorts(`${SECRET}!`, 100, 3, range)).not.toEqual(a);
  });

  it('refuses short secrets and impossible ranges with typed errors', () => {
    expect(derivePorts('short', 1, 3, range)).toMatchObject({ ok: false, error: { code: 'weak_secret' } });
    expect(derivePorts(SECRET, 1, 3, { min: 5, max: 4 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_range' },
    });
    expect(derivePorts(SECRET, 1, 5, { min: 100, max: 103 })).toMatchObject({
      ok: false,
      error: { code: 'exhausted' },
    });
  });
});

describe('rotationWindow', () => {
  it('cuts time into windows like TOTP', () => {
    expect(rotationWindow(299_999, 300_000)).toEqual({
      ok: true,
      value: { counter: 0, startsAtMs: 0, endsAtMs: 300_000 },
    });
    expect(rotationWindow(300_000, 300_000)).toMatchObject({ ok: true, value: { counter: 1 } });
    expect(rotationWindow(-1, 300_000)).toMatchObject({ ok: false, error: { code: 'invalid_time' } });
  });
});

describe('rotatedProfile', () => {
  const profile = makeProfile({
    steps: [
      { kind: 'tcp', port: 2022 },
      { kind: 'http-get', port: 10_500, path: '/x' },
      { kind: 'udp', port: 9090 },
    ],
    rotation: { period: '5m', portMin: 10_000, portMax: 10_999 },
    options: { blacklist: { list: 'bl' }, decoys: [{ port: 10_001, protocol: 'tcp' }] },
  });

  it('replaces only the tcp/udp step ports, and only the router dst-port values change between windows', () => {
    const w1 = rotatedProfile(profile, SECRET, 0);
    const w2 = rotatedProfile(profile, SECRET, 300_000);
    if (!w1.ok || !w2.ok) throw new Error('rotation failed');
    expect(w1.value.window.counter).toBe(0);
    expect(w2.value.window.counter).toBe(1);
    expect(w1.value.profile.steps[1]).toEqual(profile.steps[1]);
    for (const step of [w1.value.profile.steps[0]!, w1.value.profile.steps[2]!]) {
      expect(step.kind === 'tcp' || step.kind === 'udp').toBe(true);
      if (step.kind === 'tcp' || step.kind === 'udp') {
        expect([10_001, 10_500]).not.toContain(step.port);
        expect(step.port).toBeGreaterThanOrEqual(10_000);
      }
    }

    const router = new RouterTableModel();
    const first = planApply('ssh', generateRules(w1.value.profile), router.print());
    if (!first.ok) throw new Error(first.error.message);
    router.applyPlan(first.plan);
    const next = planApply('ssh', generateRules(w2.value.profile), router.print());
    if (!next.ok) throw new Error(next.error.message);
    const changed = next.plan.ops.flatMap((op) => (op.op === 'set' ? Object.keys(op.attrs) : [op.op]));
    expect(new Set(changed)).toEqual(new Set(['dst-port']));
  });

  it('is a typed error for a profile without rotation', () => {
    expect(rotatedProfile(makeProfile(), SECRET, 0)).toMatchObject({
      ok: false,
      error: { code: 'not_rotating' },
    });
  });
});
