import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalDuration,
  durationMs,
  icmpPacketSize,
  icmpPatternHex,
  icmpPatternRegexp,
  type ProfileInput,
  profileSchema,
  validateProfile,
} from './model';
import { SEED_PROFILES } from './seed-profiles';
import { makeProfileInput } from './testing/factories';

function errorsOf(input: unknown) {
  const result = validateProfile(input);
  return result.ok ? [] : result.errors.map((e) => ({ code: e.code, path: e.path.join('.') }));
}

function warningCodes(input: ProfileInput) {
  return validateProfile(input).warnings.map((w) => w.code);
}

describe('validateProfile', () => {
  it('accepts every seed profile', () => {
    for (const seed of SEED_PROFILES) expect(errorsOf(seed.profile), seed.golden).toEqual([]);
  });

  it('fills defaults (gap 15s, established accept on, final drop of the service)', () => {
    const result = validateProfile({ ...makeProfileInput(), options: undefined, scope: undefined });
    expect(result.ok && result.profile.defaultGap).toBe('15s');
    expect(result.ok && result.profile.options).toMatchObject({
      acceptEstablished: true,
      finalDrop: 'service',
    });
  });

  it('reports a port outside 1–65535 at its field path', () => {
    const input = makeProfileInput({
      steps: [
        { kind: 'tcp', port: 0 },
        { kind: 'udp', port: 70000 },
      ],
    });
    expect(errorsOf(input)).toEqual([
      { code: 'port_out_of_range', path: 'steps.0.port' },
      { code: 'port_out_of_range', path: 'steps.1.port' },
    ]);
  });

  it('rejects two steps that one packet could match (same port, or HTTP GET on a TCP step port)', () => {
    expect(
      errorsOf(
        makeProfileInput({
          steps: [
            { kind: 'tcp', port: 2022 },
            { kind: 'udp', port: 2022 },
            { kind: 'tcp', port: 2022 },
          ],
        }),
      ),
    ).toEqual([{ code: 'duplicate_step', path: 'steps.2' }]);
    expect(
      errorsOf(
        makeProfileInput({
          steps: [
            { kind: 'tcp', port: 80 },
            { kind: 'http-get', port: 80, path: '/x' },
          ],
        }),
      ),
    ).toEqual([{ code: 'duplicate_step', path: 'steps.1' }]);
  });

  it('rejects a knock on the protected port and decoys that collide', () => {
    const input = makeProfileInput({
      steps: [
        { kind: 'tcp', port: 22 },
        { kind: 'udp', port: 9090 },
        { kind: 'tcp', port: 4022 },
      ],
      options: {
        blacklist: { list: 'bl' },
        decoys: [
          { port: 9090, protocol: 'udp' },
          { port: 22, protocol: 'tcp' },
        ],
      },
    });
    expect(errorsOf(input)).toEqual([
      { code: 'step_on_protected_port', path: 'steps.0.port' },
      { code: 'decoy_conflict', path: 'options.decoys.0' },
      { code: 'decoy_conflict', path: 'options.decoys.1' },
    ]);
  });

  it('checks RouterOS durations and their ranges', () => {
    const input = makeProfileInput({ defaultGap: '15 seconds', finalTimeout: '0s' });
    expect(errorsOf(input)).toEqual([
      { code: 'invalid_duration', path: 'defaultGap' },
      { code: 'timeout_out_of_range', path: 'finalTimeout' },
    ]);
    expect(errorsOf(makeProfileInput({ defaultGap: '00:00:20', finalTimeout: '1d 02:00:00' }))).toEqual([]);
  });

  it('reads durations with the RouterOS parser and writes the form the router prints', () => {
    expect(durationMs('15s')).toBe(15_000);
    expect(durationMs('00:00:15')).toBe(15_000); // v6 prints this form
    expect(durationMs('1d 02:00:00')).toBe(93_600_000);
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('15 seconds')).toBeNull();
    expect(durationMs('99w')).toBeNull(); // beyond 35w3d13h13m56s
    expect(canonicalDuration('00:01:00')).toBe('1m');
    expect(canonicalDuration('1d 02:00:00')).toBe('1d2h');
    expect(canonicalDuration('nonsense')).toBe('nonsense');
  });

  it('checks list names and that lists do not collide', () => {
    expect(errorsOf(makeProfileInput({ finalList: 'ssh allowed' }))).toEqual([
      { code: 'invalid_list_name', path: 'finalList' },
    ]);
    expect(errorsOf(makeProfileInput({ finalList: 'ssh-knock-2' }))).toEqual([
      { code: 'list_name_collision', path: 'finalList' },
    ]);
    expect(errorsOf(makeProfileInput({ options: { blacklist: { list: 'ssh-allowed' } } }))).toEqual([
      { code: 'list_name_collision', path: 'options.blacklist.list' },
    ]);
  });

  it('needs a blacklist for psd/decoys and a scope for a forwarded service', () => {
    expect(errorsOf(makeProfileInput({ options: { psd: {} } }))).toEqual([
      { code: 'blacklist_required', path: 'options.blacklist' },
    ]);
    const forwarded = makeProfileInput({
      scope: {},
      service: { kind: 'dstnat', port: 3389, toAddress: '192.168.88.10', toPort: 3389 },
    });
    expect(errorsOf(forwarded)).toEqual([{ code: 'nat_scope_required', path: 'service.dstAddress' }]);
    expect(
      errorsOf({ ...forwarded, service: { ...forwarded.service, toAddress: '192.168.88.300' } }),
    ).toContainEqual({
      code: 'invalid_address',
      path: 'service.toAddress',
    });
  });

  it('checks ICMP sizes, patterns, payloads and HTTP paths', () => {
    const input = makeProfileInput({
      steps: [
        { kind: 'tcp', port: 2022 },
        { kind: 'icmp-size', payloadSize: 70_000 },
        { kind: 'icmp-pattern', pattern: 'more than sixteen bytes' },
        { kind: 'payload', protocol: 'udp', port: 9, content: 'tab\there' },
        { kind: 'http-get', path: 'no-slash' },
      ],
    });
    expect(errorsOf(input)).toEqual([
      { code: 'invalid_icmp_size', path: 'steps.1.payloadSize' },
      { code: 'invalid_icmp_pattern', path: 'steps.2.pattern' },
      { code: 'invalid_content', path: 'steps.3.content' },
      { code: 'invalid_http_path', path: 'steps.4.path' },
    ]);
  });

  it('rejects ids that would break the comment tag', () => {
    expect(errorsOf(makeProfileInput({ id: 'ssh:1' }))).toEqual([{ code: 'invalid_profile_id', path: 'id' }]);
  });

  it('maps shape errors to invalid_field with a path, and never throws on garbage', () => {
    expect(errorsOf({ ...makeProfileInput(), steps: [{ kind: 'tcp', port: '22' }] })).toEqual([
      { code: 'invalid_field', path: 'steps.0.port' },
    ]);
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = validateProfile(value);
        expect(result.ok).toBe(false);
      }),
    );
  });

  it('exposes the domain codes through the zod schema too', () => {
    const parsed = profileSchema.safeParse(makeProfileInput({ steps: [{ kind: 'tcp', port: 0 }] }));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({
      path: ['steps', 0, 'port'],
      params: { code: 'port_out_of_range' },
    });
  });
});

describe('warnings for the seed bad practices', () => {
  it('a good profile has none of the practice warnings', () => {
    const input = makeProfileInput({ options: { finalDrop: 'all', psd: {}, blacklist: { list: 'bl' } } });
    expect(warningCodes(input)).toEqual([]);
  });

  it('flags starting with ICMP (9), short sequences, no final drop, no established accept (1), only layer (10)', () => {
    const input = makeProfileInput({
      steps: [
        { kind: 'icmp-size', payloadSize: 692 },
        { kind: 'tcp', port: 4022 },
      ],
      options: { finalDrop: 'none', acceptEstablished: false },
      notOnlyLayerAcknowledged: false,
    });
    expect(warningCodes(input)).toEqual([
      'starts_with_icmp',
      'short_sequence',
      'no_final_drop',
      'no_established_accept',
      'only_layer_unacknowledged',
      'no_scan_protection',
    ]);
  });

  it('warns that an unscoped final drop also cuts off the LAN, and about sweep-friendly orders', () => {
    const input = makeProfileInput({
      scope: {},
      steps: [
        { kind: 'tcp', port: 1000 },
        { kind: 'tcp', port: 2000 },
        { kind: 'udp', port: 3000 },
      ],
      options: { finalDrop: 'all', psd: {}, blacklist: { list: 'bl' } },
    });
    expect(warningCodes(input)).toEqual(['final_drop_unscoped', 'sequential_ports']);
  });
});

describe('ICMP helpers shown in the editor', () => {
  it('ping -s 692 is packet-size 720; "mikrotik" is 6d696b726f74696b', () => {
    expect(icmpPacketSize(692)).toBe(720);
    expect(icmpPatternHex('mikrotik')).toBe('6d696b726f74696b');
    expect(icmpPatternRegexp('a.b(c)')).toBe('a\\.b\\(c\\)');
  });
});
