import { describe, expect, it } from 'vitest';
import { validateProfile } from '@/lib/profiles/model';
import { SEED_PROFILES } from '@/lib/profiles/seed-profiles';
import { blankForm, fromProfileInput, issuesAt, parseDecoys, toProfileInput } from './form-state';

describe('editor state ↔ profile model', () => {
  it('every seed profile survives the round trip through the editor unchanged', () => {
    for (const seed of SEED_PROFILES) {
      const direct = validateProfile(seed.profile);
      const viaEditor = validateProfile({
        ...toProfileInput(fromProfileInput(seed.profile)),
        id: seed.profile.id,
      });
      expect(viaEditor, seed.golden).toEqual(direct);
    }
  });

  it('a half-typed number is reported at its field, never read as 0', () => {
    const form = blankForm();
    form.name = 'x';
    form.stageListPrefix = 'x';
    form.steps[0]!.port = '20a';
    form.steps[1]!.port = '';
    const result = validateProfile({ ...toProfileInput(form), id: 'new' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(issuesAt(result.errors, 'steps.0').map((i) => i.path.join('.'))).toEqual(['steps.0.port']);
    expect(issuesAt(result.errors, 'steps.1').length).toBe(1);
    expect(issuesAt(result.errors, 'steps.2').map((i) => i.code)).toEqual(['invalid_field']);
  });

  it('reads decoy lists leniently and flags what it cannot read', () => {
    expect(parseDecoys('2021/tcp, 9091/UDP 2023')).toEqual([
      { port: 2021, protocol: 'tcp' },
      { port: 9091, protocol: 'udp' },
      { port: 2023, protocol: 'tcp' },
    ]);
    expect(parseDecoys('nope')[0]!.port).toBeNaN();
  });
});
