import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRules } from './generate';
import { parseRsc, quoteValue, renderRsc } from './rsc';
import { RULE_TABLES, type Rule } from './rule';
import { validProfileArb } from './testing/arbitraries';

describe('quoteValue (RouterOS export quoting)', () => {
  it.each([
    ['input', 'input'],
    ['established,related', 'established,related'],
    ['!LAN', '!LAN'],
    ['knockgate-profile:ssh:3', 'knockgate-profile:ssh:3'],
    ['192.168.88.0/24', '192.168.88.0/24'],
    ['', '""'],
    ['defconf: drop invalid', '"defconf: drop invalid"'],
    ['GET /mikrotik HTTP/', '"GET /mikrotik HTTP/"'],
    ['^.+(speedtest).*\\$', '"^.+(speedtest).*\\\\\\$"'],
    ['a|b', '"a|b"'],
    ['say "hi"?', '"say \\"hi\\"\\?"'],
    ['tab\there\n', '"tab\\there\\n"'],
    ['Пр', '"\\D0\\9F\\D1\\80"'],
  ])('%j → %s', (value, quoted) => {
    expect(quoteValue(value)).toBe(quoted);
  });
});

describe('renderRsc', () => {
  it('writes a menu line per table change and attributes sorted like export', () => {
    const rules: Rule[] = [
      { table: '/ip/firewall/layer7-protocol', attrs: { regexp: 'mikrotik', name: 'ICMP pattern' } },
      {
        table: '/ip/firewall/filter',
        attrs: { chain: 'input', action: 'accept', 'connection-state': 'established,related' },
      },
    ];
    expect(renderRsc(rules, { header: ['one', 'two\nthree'] })).toBe(
      [
        '# one',
        '# two',
        '# three',
        '/ip firewall layer7-protocol',
        'add name="ICMP pattern" regexp=mikrotik',
        '/ip firewall filter',
        'add action=accept chain=input connection-state=established,related',
        '',
      ].join('\n'),
    );
  });
});

describe('parseRsc', () => {
  it('reads a real RouterOS export with wrapped lines, comments and slash menus', () => {
    const text = [
      '# jan/02/1970 00:00:00 by RouterOS 7.16',
      '# software id = ABCD-1234',
      '/ip firewall filter',
      'add action=accept chain=input comment=\\',
      '    "defconf: accept established,related,untracked" connection-state=\\',
      '    established,related,untracked',
      'add action=drop chain=input comment="defconf: drop invalid" connection-state=invalid',
      '/ip/firewall/layer7-protocol add name=speedtest regexp="^.+(speedtest).*\\\\\\$"',
      '/ip firewall nat; add action=masquerade chain=srcnat comment="a\\_b"',
    ].join('\r\n');
    expect(parseRsc(text)).toEqual({
      ok: true,
      rules: [
        {
          table: '/ip/firewall/filter',
          attrs: {
            action: 'accept',
            chain: 'input',
            comment: 'defconf: accept established,related,untracked',
            'connection-state': 'established,related,untracked',
          },
        },
        {
          table: '/ip/firewall/filter',
          attrs: {
            action: 'drop',
            chain: 'input',
            comment: 'defconf: drop invalid',
            'connection-state': 'invalid',
          },
        },
        {
          table: '/ip/firewall/layer7-protocol',
          attrs: { name: 'speedtest', regexp: '^.+(speedtest).*\\$' },
        },
        { table: '/ip/firewall/nat', attrs: { action: 'masquerade', chain: 'srcnat', comment: 'a b' } },
      ],
    });
  });

  it.each([
    ['add chain=input', 'rsc_no_menu', 1],
    ['/ip firewall filter\nset 0 chain=input', 'rsc_unsupported_command', 2],
    ['/ip firewall mangle\nadd chain=prerouting', 'rsc_unknown_menu', 1],
    ['/ip firewall filter\nadd chain=input chain=forward', 'rsc_duplicate_attribute', 2],
    ['/ip firewall filter\nadd chain="input', 'rsc_syntax', 2],
    ['/ip firewall filter\nadd chain=in"put"', 'rsc_syntax', 2],
    ['/ip firewall filter\nadd disabled', 'rsc_syntax', 2],
    ['/ip firewall filter\nadd comment="\\q"', 'rsc_syntax', 2],
    ['/ip firewall filter\nadd comment="\\FF"', 'rsc_syntax', 2],
  ])('%j → %s on line %d', (text, code, line) => {
    expect(parseRsc(text)).toMatchObject({ ok: false, error: { code, line } });
  });
});

const ruleArb: fc.Arbitrary<Rule> = fc.record({
  table: fc.constantFrom(...RULE_TABLES),
  attrs: fc.dictionary(
    fc.oneof(
      fc.constantFrom('chain', 'action', 'comment', 'content', 'regexp'),
      fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
    ),
    fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary-ascii' }),
      fc.constantFrom('\\', '"', '$', '?', ' ', '='),
    ),
    { maxKeys: 6 },
  ),
});

describe('round trip', () => {
  it('parseRsc(renderRsc(rules)) gives the same rules back, for any values', () => {
    fc.assert(
      fc.property(
        fc.array(ruleArb, { maxLength: 8 }),
        fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 3 }),
        (rules, header) => {
          expect(parseRsc(renderRsc(rules, { header }))).toEqual({ ok: true, rules });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('holds for every generated profile', () => {
    fc.assert(
      fc.property(validProfileArb(), (profile) => {
        const rules = generateRules(profile);
        expect(parseRsc(renderRsc(rules))).toEqual({ ok: true, rules });
      }),
      { numRuns: 100 },
    );
  });

  it('parseRsc never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(typeof parseRsc(`/ip firewall filter\nadd ${text}`).ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});
