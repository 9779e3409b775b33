import { describe, expect, it } from 'vitest';
import { compileQuery, QueryError } from './query';

const rows = [
  new Map([
    ['name', 'ether1'],
    ['type', 'ether'],
    ['mtu', '1500'],
    ['disabled', 'false'],
  ]),
  new Map([
    ['name', 'vlan10'],
    ['type', 'vlan'],
    ['mtu', '1496'],
    ['disabled', 'true'],
  ]),
  new Map([
    ['name', 'wg0'],
    ['type', 'wg'],
    ['mtu', '1420'],
    ['disabled', 'false'],
    ['comment', 'vpn'],
  ]),
];

function names(words: string[]): string[] {
  const match = compileQuery(words);
  return rows.filter(match).map((r) => r.get('name') as string);
}

describe('API query stack', () => {
  it('matches everything without query words', () => {
    expect(names([])).toEqual(['ether1', 'vlan10', 'wg0']);
  });

  it('ands the values left on the stack', () => {
    expect(names(['type=ether', 'disabled=false'])).toEqual(['ether1']);
    expect(names(['type=ether', 'type=vlan'])).toEqual([]);
  });

  it('accepts the ?=name=value spelling of equality', () => {
    expect(names(['=type=vlan'])).toEqual(['vlan10']);
  });

  it('?#| ors the two top values (the manual example: ether or vlan)', () => {
    expect(names(['type=ether', 'type=vlan', '#|'])).toEqual(['ether1', 'vlan10']);
  });

  it('?#! negates: "?type=ether ?type=vlan ?#|!" is neither ether nor vlan', () => {
    expect(names(['type=ether', 'type=vlan', '#|!'])).toEqual(['wg0']);
    expect(names(['type=ether', 'type=vlan', '#|', '#!'])).toEqual(['wg0']);
  });

  it('?#& ands explicitly; ?#. duplicates; ?#N copies by index', () => {
    expect(names(['type=ether', 'type=vlan', '#|', 'disabled=true', '#&'])).toEqual(['vlan10']);
    expect(names(['type=wg', '#.', '#&'])).toEqual(['wg0']);
    expect(names(['type=wg', 'type=ether', '#0', '#|', '#|'])).toEqual(['ether1', 'wg0']);
  });

  it('?name and ?-name test presence', () => {
    expect(names(['comment'])).toEqual(['wg0']);
    expect(names(['-comment'])).toEqual(['ether1', 'vlan10']);
  });

  it('?< and ?> compare numbers numerically', () => {
    expect(names(['<mtu=1500'])).toEqual(['vlan10', 'wg0']);
    expect(names(['>mtu=1496'])).toEqual(['ether1']);
  });

  it('accepts yes/no for boolean properties', () => {
    expect(names(['disabled=yes'])).toEqual(['vlan10']);
  });

  it('reports a stack underflow as a query error', () => {
    expect(() => compileQuery(['type=ether', '#|'])).toThrow(QueryError);
    expect(() => compileQuery(['type=ether', '#5'])).toThrow(QueryError);
    expect(() => compileQuery(['#x'])).toThrow(QueryError);
  });
});
