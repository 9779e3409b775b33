import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRules } from './generate';
import { type Profile, type ValidProfile, validateProfile } from './model';
import { parseProfileTag, type Rule } from './rule';
import { validProfileArb } from './testing/arbitraries';
import { makeProfile } from './testing/factories';
import { MiniFirewall, type Packet } from './testing/mini-firewall';

const A = '203.0.113.7';
const tcp = (dstPort: number, src = A): Packet => ({ src, protocol: 'tcp', dstPort });
const udp = (dstPort: number, src = A): Packet => ({ src, protocol: 'udp', dstPort });

function filterInput(rules: Rule[]) {
  return rules
    .filter((r) => r.table === '/ip/firewall/filter' && r.attrs.chain === 'input')
    .map((r) => r.attrs);
}

/** Knocks the seed sequence 2022:tcp 9090:udp 4022:tcp, then reports whether SSH is open. */
function sshOpensAfter(fw: MiniFirewall, packets: Packet[], stepMs = 100): boolean {
  for (const packet of packets) {
    fw.input(packet);
    fw.advance(stepMs);
  }
  return fw.input(tcp(22)) === 'accept';
}

describe('generateRules: the seed TCP/UDP sequence', () => {
  const profile = makeProfile({ scope: {} });
  const rules = generateRules(profile);

  it('tags every row knockgate-profile:<id>:<n> with n = 1, 2, 3, …', () => {
    expect(rules.map((r) => parseProfileTag(r.attrs.comment))).toEqual(
      rules.map((_, i) => ({ profileId: 'ssh', n: i + 1 })),
    );
  });

  it('has the seed structure: established first, step k needs list k-1, the service for the final list, drop last', () => {
    expect(filterInput(rules).map(({ comment: _, ...attrs }) => attrs)).toEqual([
      { chain: 'input', action: 'accept', 'connection-state': 'established,related' },
      {
        chain: 'input',
        action: 'add-src-to-address-list',
        protocol: 'tcp',
        'dst-port': '4022',
        'src-address-list': 'ssh-knock-2',
        'address-list': 'ssh-allowed',
        'address-list-timeout': '1h',
      },
      {
        chain: 'input',
        action: 'add-src-to-address-list',
        protocol: 'udp',
        'dst-port': '9090',
        'src-address-list': 'ssh-knock-1',
        'address-list': 'ssh-knock-2',
        'address-list-timeout': '15s',
      },
      {
        chain: 'input',
        action: 'add-src-to-address-list',
        protocol: 'tcp',
        'dst-port': '2022',
        'address-list': 'ssh-knock-1',
        'address-list-timeout': '15s',
      },
      {
        chain: 'input',
        action: 'accept',
        protocol: 'tcp',
        'dst-port': '22',
        'src-address-list': 'ssh-allowed',
      },
      { chain: 'input', action: 'drop' },
    ]);
  });

  it('opens SSH only after the right sequence', () => {
    expect(sshOpensAfter(new MiniFirewall(rules), [tcp(2022), udp(9090), tcp(4022)])).toBe(true);
    expect(sshOpensAfter(new MiniFirewall(rules), [])).toBe(false);
  });

  it('stays closed for a wrong order, a missing step, or a step after its gap', () => {
    expect(sshOpensAfter(new MiniFirewall(rules), [udp(9090), tcp(2022), tcp(4022)])).toBe(false);
    expect(sshOpensAfter(new MiniFirewall(rules), [tcp(2022), tcp(4022)])).toBe(false);
    expect(sshOpensAfter(new MiniFirewall(rules), [tcp(2022), udp(9090), tcp(4022)], 16_000)).toBe(false);
  });

  it('a stale stage does not open: list 2 expired before the last step', () => {
    const fw = new MiniFirewall(rules);
    fw.input(tcp(2022));
    fw.input(udp(9090));
    fw.advance(15_001);
    expect(sshOpensAfter(fw, [tcp(4022)])).toBe(false);
  });

  it('the right sequence from one address does not open for another', () => {
    const fw = new MiniFirewall(rules);
    sshOpensAfter(fw, [tcp(2022), udp(9090), tcp(4022)]);
    expect(fw.input(tcp(22, '198.51.100.9'))).toBe('drop');
  });
});

describe('generateRules: ordering defends against one packet passing two steps', () => {
  // A 720-byte ping that also carries "abc" matches both ICMP steps. In forward order the first rule
  // would put the source on stage 2 and the second rule, seeing it there, would advance it again.
  const profile = makeProfile({
    steps: [
      { kind: 'tcp', port: 2022 },
      { kind: 'icmp-size', payloadSize: 692 },
      { kind: 'icmp-pattern', pattern: 'abc' },
    ],
  });
  const overlapping: Packet = { src: A, protocol: 'icmp', size: 720, payload: 'abcabcabc' };

  for (const customChains of [false, true]) {
    it(`one overlapping ping advances one stage only (custom chains: ${customChains})`, () => {
      const p = { ...profile, options: { ...profile.options, customChains } } as ValidProfile;
      const fw = new MiniFirewall(generateRules(p));
      fw.input(tcp(2022));
      fw.input(overlapping);
      expect(fw.onList('ssh-knock-2', A)).toBe(true);
      expect(fw.onList('ssh-allowed', A)).toBe(false);
      fw.input(overlapping); // a second ping is the third knock
      expect(fw.onList('ssh-allowed', A)).toBe(true);
    });
  }
});

describe('generateRules: decoys and the blacklist', () => {
  const profile = makeProfile({
    options: {
      finalDrop: 'all',
      blacklist: { list: 'knock-bl', timeout: '10m' },
      decoys: [
        { port: 2021, protocol: 'tcp' },
        { port: 2023, protocol: 'tcp' },
      ],
    },
  });

  it('a wrong knock on a decoy blacklists the source; its later right sequence is ignored until it expires', () => {
    const fw = new MiniFirewall(generateRules(profile));
    fw.input(tcp(2023));
    expect(fw.onList('knock-bl', A)).toBe(true);
    expect(sshOpensAfter(fw, [tcp(2022), udp(9090), tcp(4022)])).toBe(false);
    expect(fw.onList('ssh-knock-1', A)).toBe(false);
    fw.advance(10 * 60_000);
    expect(sshOpensAfter(fw, [tcp(2022), udp(9090), tcp(4022)])).toBe(true);
  });

  it('the raw variant moves the blacklist drop to /ip/firewall/raw prerouting', () => {
    const raw = makeProfile({ options: { ...profile.options, rawBlacklist: true } });
    const rules = generateRules(raw);
    expect(rules.filter((r) => r.table === '/ip/firewall/raw').map((r) => r.attrs)).toEqual([
      {
        chain: 'prerouting',
        action: 'drop',
        'src-address-list': 'knock-bl',
        'in-interface-list': 'WAN',
        comment: 'knockgate-profile:ssh:1',
      },
    ]);
    expect(filterInput(rules).some((r) => r.action === 'drop' && r['src-address-list'] === 'knock-bl')).toBe(
      false,
    );
  });

  it('psd adds scanners to the blacklist for tcp and udp', () => {
    const rules = generateRules(makeProfile({ options: { ...profile.options, psd: {} } }));
    expect(filterInput(rules).filter((r) => r.psd)).toMatchObject([
      { protocol: 'tcp', psd: '21,3s,3,1', 'address-list': 'knock-bl', 'address-list-timeout': '10m' },
      { protocol: 'udp', psd: '21,3s,3,1', 'address-list': 'knock-bl', 'address-list-timeout': '10m' },
    ]);
  });
});

describe('generateRules: HTTP GET and payload steps ride established connections', () => {
  const profile = makeProfile({
    steps: [
      { kind: 'udp', port: 9090 },
      { kind: 'http-get', port: 80, path: '/mikrotik' },
      { kind: 'tcp', port: 4022 },
    ],
  });
  const rules = generateRules(profile);

  it('the GET counts although its connection is established, but only after step 1', () => {
    const get: Packet = {
      src: A,
      protocol: 'tcp',
      dstPort: 80,
      state: 'established',
      payload: 'GET /mikrotik HTTP/1.1\r\nHost: router\r\n\r\n',
    };
    const early = new MiniFirewall(rules);
    expect(early.input({ src: A, protocol: 'tcp', dstPort: 80 })).toBe('drop'); // no handshake before step 1
    expect(sshOpensAfter(early, [get, tcp(4022)])).toBe(false);

    const fw = new MiniFirewall(rules);
    fw.input(udp(9090));
    expect(fw.input({ src: A, protocol: 'tcp', dstPort: 80 })).toBe('accept'); // the SYN
    expect(sshOpensAfter(fw, [get, tcp(4022)])).toBe(true);
  });

  it('a longer path does not match (the content pins " HTTP/")', () => {
    const fw = new MiniFirewall(rules);
    fw.input(udp(9090));
    fw.input({
      src: A,
      protocol: 'tcp',
      dstPort: 80,
      state: 'established',
      payload: 'GET /mikrotik2 HTTP/1.1',
    });
    expect(fw.onList('web-knock-2', A) || fw.onList('ssh-knock-2', A)).toBe(false);
  });
});

describe('generateRules: forwarded services', () => {
  it('dstnat variant: the NAT rule applies only to the final list', () => {
    const rules = generateRules(
      makeProfile({ service: { kind: 'dstnat', port: 3389, toAddress: '192.168.88.10', toPort: 3389 } }),
    );
    expect(rules.filter((r) => r.table === '/ip/firewall/nat').map((r) => r.attrs)).toEqual([
      {
        chain: 'dstnat',
        action: 'dst-nat',
        protocol: 'tcp',
        'dst-port': '3389',
        'src-address-list': 'ssh-allowed',
        'to-addresses': '192.168.88.10',
        'to-ports': '3389',
        'in-interface-list': 'WAN',
        comment: expect.stringMatching(/^knockgate-profile:ssh:\d+$/),
      },
    ]);
  });

  it('forward variant: chain forward accepts the final list and drops the rest, after dstnat', () => {
    const rules = generateRules(
      makeProfile({
        options: { finalDrop: 'service' },
        service: { kind: 'forward', port: 8080, toAddress: '192.168.88.20', toPort: 80 },
      }),
    );
    const forward = rules
      .filter((r) => r.attrs.chain === 'forward')
      .map((r) => [r.attrs.action, r.attrs['src-address-list']]);
    expect(forward).toEqual([
      ['accept', undefined],
      ['accept', 'ssh-allowed'],
      ['drop', undefined],
    ]);
  });
});

describe('generateRules properties', () => {
  it('every generated rule is tagged in sequence, and every list it reads is one an earlier step writes', () => {
    fc.assert(
      fc.property(validProfileArb(), (profile: Profile) => {
        const rules = generateRules(profile as ValidProfile);
        rules.forEach((rule, i) => {
          expect(parseProfileTag(rule.attrs.comment)).toEqual({ profileId: 'ssh', n: i + 1 });
        });
        const written = new Set(rules.map((r) => r.attrs['address-list']).filter(Boolean));
        for (const rule of rules) {
          const read = rule.attrs['src-address-list']?.replace(/^!/, '');
          if (read !== undefined) expect(written.has(read)).toBe(true);
        }
        // Re-validating the input is stable: generation does not depend on anything but the profile.
        expect(generateRules(profile as ValidProfile)).toEqual(rules);
      }),
      { numRuns: 200 },
    );
  });

  it('validateProfile never accepts a profile whose steps could be matched by one port packet twice', () => {
    const result = validateProfile({
      ...makeProfile(),
      steps: [
        { kind: 'payload', protocol: 'tcp', port: 1000, content: 'a' },
        { kind: 'payload', protocol: 'tcp', port: 1000, content: 'b' },
      ],
    });
    expect(result.ok).toBe(false);
  });
});
