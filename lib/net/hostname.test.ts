import { describe, expect, it } from 'vitest';
import { canonicalSuffix, hostnameForDisplay, matchesSuffix, parseHostname } from './hostname';

/** A corpus of host names as people and clients send them, with the answer each must get. */
describe('parseHostname accepts and canonicalises', () => {
  it.each([
    ['home.example.net', 'home.example.net'],
    ['  Home.Example.NET  ', 'home.example.net'],
    ['home.example.net.', 'home.example.net'],
    ['a.b', 'a.b'],
    ['1a.example.net', '1a.example.net'],
    ['123.example.net', '123.example.net'],
    ['my-nas.dyn.example.org', 'my-nas.dyn.example.org'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['Bücher.Example', 'xn--bcher-kva.example'],
    ['пример.бг', 'xn--e1afmkfd.xn--90ae'],
    ['faß.de', 'xn--fa-hia.de'],
    ['home。example。net', 'home.example.net'],
    [`${'a'.repeat(63)}.example.net`, `${'a'.repeat(63)}.example.net`],
    [
      // 4 × 63 + 1 dot-free tail = 253 characters exactly.
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
    ],
  ])('%j → %j', (input, expected) => {
    expect(parseHostname(input)).toEqual({ ok: true, value: expected });
  });

  it('a bare label passes only when one label is enough (device names)', () => {
    expect(parseHostname('laptop', { minLabels: 1 })).toEqual({ ok: true, value: 'laptop' });
    expect(parseHostname('laptop')).toMatchObject({ ok: false, error: { code: 'hostname_not_fqdn' } });
  });
});

describe('parseHostname refuses with the reason', () => {
  it.each([
    ['', 'hostname_empty'],
    ['   ', 'hostname_empty'],
    ['*.example.net', 'hostname_wildcard'],
    ['home.*.example.net', 'hostname_wildcard'],
    ['192.0.2.1', 'hostname_ip_literal'],
    ['2001:db8::1', 'hostname_ip_literal'],
    ['[2001:db8::1]', 'hostname_ip_literal'],
    ['::ffff:192.0.2.1', 'hostname_ip_literal'],
    ['10.1', 'hostname_ip_literal'],
    ['0x7f.1', 'hostname_ip_literal'],
    ['example.123', 'hostname_ip_literal'],
    ['1.2.3.4.5', 'hostname_ip_literal'],
    ['ex ample.net', 'hostname_invalid_char'],
    ['%41.example.net', 'hostname_invalid_char'],
    ['a/b.example.net', 'hostname_invalid_char'],
    ['user@example.net', 'hostname_invalid_char'],
    ['example.net:80', 'hostname_invalid_char'],
    ['exa\u200bmple.net', 'hostname_invalid_char'],
    ['exa\u0000mple.net', 'hostname_invalid_char'],
    ['line\nbreak.net', 'hostname_invalid_char'],
    ['a,b.example.net', 'hostname_invalid_char'],
    ['a_b.example.net', 'hostname_label'],
    ['-a.example.net', 'hostname_label'],
    ['a-.example.net', 'hostname_label'],
    ['a..example.net', 'hostname_label'],
    ['.example.net', 'hostname_label'],
    ['example.net..', 'hostname_label'],
    [`${'a'.repeat(64)}.example.net`, 'hostname_label'],
    [`${'a.'.repeat(127)}net`, 'hostname_too_long'],
    ['x'.repeat(2000), 'hostname_too_long'],
    ['xn--zz.example', 'hostname_idn'],
    ['localhost', 'hostname_not_fqdn'],
    ['foo.localhost', 'hostname_reserved'],
    ['nas.invalid', 'hostname_reserved'],
  ])('%j → %s', (input, code) => {
    const result = parseHostname(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.message.length).toBeGreaterThan(10);
    }
  });

  it('anything that is not a string is "enter a host name"', () => {
    expect(parseHostname(undefined)).toMatchObject({ ok: false, error: { code: 'hostname_empty' } });
    expect(parseHostname(42)).toMatchObject({ ok: false, error: { code: 'hostname_empty' } });
  });
});

describe('suffix allow-list', () => {
  const suffixes = ['dyn.example.net', '.home.example.org.'];

  it.each([
    ['nas.dyn.example.net', true],
    ['a.b.dyn.example.net', true],
    ['dyn.example.net', true],
    ['router.home.example.org', true],
    ['evildyn.example.net', false],
    ['dyn.example.net.attacker.com', false],
    ['example.net', false],
  ])('%s allowed: %s', (name, allowed) => {
    const result = parseHostname(name, { suffixes });
    expect(result.ok).toBe(allowed);
    if (!result.ok) {
      expect(result.error.code).toBe('hostname_suffix');
      expect(result.error.message).toContain('dyn.example.net, home.example.org');
    }
  });

  it('suffixes are compared in canonical form (case, dots, IDN)', () => {
    expect(canonicalSuffix('.Dyn.Example.NET.')).toBe('dyn.example.net');
    expect(canonicalSuffix('пример.бг')).toBe('xn--e1afmkfd.xn--90ae');
    expect(canonicalSuffix('not a suffix')).toBeNull();
    expect(parseHostname('дом.пример.бг', { suffixes: ['пример.бг'] }).ok).toBe(true);
    expect(matchesSuffix('a.example.net', ['example.net'])).toBe(true);
    expect(matchesSuffix('aexample.net', ['example.net'])).toBe(false);
  });

  it('an empty list allows every valid name', () => {
    expect(parseHostname('anything.example.com', { suffixes: [] }).ok).toBe(true);
  });
});

describe('hostnameForDisplay', () => {
  it('shows A-labels as the person wrote them and leaves ASCII names alone', () => {
    expect(hostnameForDisplay('xn--e1afmkfd.xn--90ae')).toBe('пример.бг');
    expect(hostnameForDisplay('home.example.net')).toBe('home.example.net');
  });
});
