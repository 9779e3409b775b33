import { describe, expect, it } from 'vitest';
import { loadMessages } from './messages';

const en = loadMessages('en');
const bg = loadMessages('bg');

function keys(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function leaves(obj: unknown): [string, string][] {
  return keys(obj).map((k) => [
    k,
    k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], obj) as string,
  ]);
}

describe('messages', () => {
  it('Bulgarian has exactly the English keys', () => {
    expect(keys(bg).sort()).toEqual(keys(en).sort());
  });

  it('every Bulgarian text is translated (differs from English) except names and codes', () => {
    const same = leaves(bg).filter(([k, v]) => v === leaves(en).find(([ek]) => ek === k)?.[1]);
    expect(same.map(([k]) => k)).toEqual(['common.appName']);
  });

  it('placeholders match between languages', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\s*[,}]/g)].map((m) => m[1]).sort();
    for (const [k, v] of leaves(en)) {
      const other = leaves(bg).find(([bk]) => bk === k)![1];
      expect(placeholders(other), k).toEqual(placeholders(v));
    }
  });
});
