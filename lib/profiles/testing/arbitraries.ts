/** fast-check arbitraries for knock profiles and router tables (tests only). */
import fc from 'fast-check';
import type { ProfileInput, ValidProfile } from '../model';
import { validateProfile } from '../model';
import type { RuleTable } from '../rule';

const STEP_BUILDERS = [
  (port: number) => ({ kind: 'tcp' as const, port }),
  (port: number) => ({ kind: 'udp' as const, port }),
  (port: number) => ({ kind: 'icmp-size' as const, payloadSize: port - 1000 }),
  (port: number) => ({ kind: 'icmp-pattern' as const, pattern: `k${port}` }),
  (port: number) => ({
    kind: 'payload' as const,
    protocol: port % 2 === 0 ? ('tcp' as const) : ('udp' as const),
    port,
    content: `knock ${port}`,
  }),
  (port: number) => ({ kind: 'http-get' as const, port, path: `/k${port}` }),
];

const SERVICES: Record<'router' | 'dstnat' | 'forward', ProfileInput['service']> = {
  router: { kind: 'router', protocol: 'tcp', ports: [22, 8291] },
  dstnat: { kind: 'dstnat', protocol: 'tcp', port: 3389, toAddress: '192.168.88.10', toPort: 3389 },
  forward: { kind: 'forward', protocol: 'tcp', port: 8080, toAddress: '192.168.88.20', toPort: 80 },
};

/**
 * Valid profiles by construction: every step uses its own port in 1024–2400, so no two steps can
 * match one packet, and decoys/services sit outside that range.
 */
export function profileInputArb(id = 'ssh'): fc.Arbitrary<ProfileInput> {
  return fc
    .record({
      ports: fc.uniqueArray(fc.integer({ min: 1024, max: 2400 }), { minLength: 1, maxLength: 6 }),
      kinds: fc.array(fc.nat({ max: STEP_BUILDERS.length - 1 }), { minLength: 6, maxLength: 6 }),
      acceptEstablished: fc.boolean(),
      finalDrop: fc.constantFrom('all', 'service', 'none'),
      customChains: fc.boolean(),
      hardened: fc.boolean(),
      rawBlacklist: fc.boolean(),
      service: fc.constantFrom('router', 'dstnat', 'forward'),
      gap: fc.constantFrom('10s', '15s', '00:00:30'),
      finalTimeout: fc.constantFrom('1h', '2h'),
    })
    .map(
      (r): ProfileInput => ({
        id,
        name: `Profile ${id}`,
        steps: r.ports.map((port, i) => STEP_BUILDERS[r.kinds[i]!]!(port)),
        defaultGap: r.gap,
        stageListPrefix: 'ssh-knock',
        finalList: 'ssh-allowed',
        finalTimeout: r.finalTimeout,
        service: SERVICES[r.service],
        scope: { inInterfaceList: 'WAN' },
        options: {
          acceptEstablished: r.acceptEstablished,
          finalDrop: r.finalDrop,
          customChains: r.customChains,
          ...(r.hardened
            ? {
                blacklist: { list: 'knock-bl', timeout: '1d' },
                psd: {},
                decoys: [
                  { port: 3000, protocol: 'tcp' as const },
                  { port: 3001, protocol: 'udp' as const },
                ],
                rawBlacklist: r.rawBlacklist,
              }
            : {}),
        },
        notOnlyLayerAcknowledged: true,
      }),
    );
}

export function validProfileArb(id = 'ssh'): fc.Arbitrary<ValidProfile> {
  return profileInputArb(id).map((input) => {
    const result = validateProfile(input);
    if (!result.ok)
      throw new Error(`arbitrary produced an invalid profile: ${JSON.stringify(result.errors)}`);
    return result.profile;
  });
}

/** An admin's own row (or another profile's) in any of the ordered tables. */
export const foreignRowArb: fc.Arbitrary<Record<string, string>> = fc
  .record({
    chain: fc.constantFrom('input', 'forward', 'dstnat', 'srcnat', 'prerouting', 'ssh-knock-icmp'),
    action: fc.constantFrom('accept', 'drop', 'reject', 'log', 'passthrough', 'dst-nat', 'masquerade'),
    comment: fc.option(
      fc.constantFrom(
        'defconf: drop invalid',
        'admin rule',
        'knockgate-profile:other:1',
        'knockgate-profile:ssh2:3',
      ),
      { nil: undefined },
    ),
    extra: fc.constantFrom<Record<string, string>>(
      {},
      { protocol: 'udp', 'dst-port': '53' },
      { 'in-interface-list': '!LAN' },
    ),
  })
  .map(
    ({ chain, action, comment, extra }): Record<string, string> => ({
      chain,
      action,
      ...extra,
      ...(comment !== undefined ? { comment } : {}),
    }),
  );

export const ORDERED: readonly RuleTable[] = ['/ip/firewall/filter', '/ip/firewall/nat', '/ip/firewall/raw'];
