import { describe, expect, it } from 'vitest';
import { generateRules } from './generate';
import { validateProfile } from './model';
import { exportProfileRsc, parseRsc } from './rsc';
import { SEED_PROFILES } from './seed-profiles';

// The golden files are the review artefact of acceptance item 4: a RouterOS admin reads them against
// the seed slides. `npx vitest run lib/profiles/golden.test.ts -u` rewrites them; review the diff.
describe('golden .rsc files of the seed profiles', () => {
  for (const seed of SEED_PROFILES) {
    it(`${seed.golden} matches the reviewed export and parses back to the same rules`, async () => {
      const result = validateProfile(seed.profile);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      const text = exportProfileRsc(result.profile, { note: seed.review });
      await expect(text).toMatchFileSnapshot(`./golden/${seed.golden}`);
      const parsed = parseRsc(text);
      expect(parsed).toEqual({ ok: true, rules: generateRules(result.profile) });
    });
  }

  it('the seed TCP/UDP sequence carries the slide numbers', async () => {
    const text = await import('node:fs/promises').then((fs) =>
      fs.readFile(new URL('./golden/tcp-udp-sequence.rsc', import.meta.url), 'utf8'),
    );
    expect(text).toContain('dst-port=2022 protocol=tcp');
    expect(text).toContain('dst-port=9090 protocol=udp src-address-list=ssh-knock-1');
    expect(text).toContain('dst-port=4022 protocol=tcp src-address-list=ssh-knock-2');
    expect(text).toContain('dst-port=22 protocol=tcp src-address-list=ssh-allowed');
  });

  it('the ICMP goldens show payload + 28 and the hex pattern', async () => {
    const fs = await import('node:fs/promises');
    const size = await fs.readFile(new URL('./golden/icmp-size.rsc', import.meta.url), 'utf8');
    expect(size).toMatch(/packet-size=720 protocol=icmp/);
    const payload = await fs.readFile(new URL('./golden/icmp-payload.rsc', import.meta.url), 'utf8');
    expect(payload).toContain('regexp=mikrotik');
    expect(payload).toContain('6d696b726f74696b');
  });
});
