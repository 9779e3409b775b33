import { describe, expect, it } from 'vitest';
import { localeFromAcceptLanguage } from './locales';

describe('localeFromAcceptLanguage', () => {
  it.each([
    ['bg-BG,bg;q=0.9,en;q=0.8', 'bg'],
    ['en-US,en;q=0.9', 'en'],
    ['de-DE,bg;q=0.5,en;q=0.4', 'bg'],
    ['fr', 'en'],
    ['en;q=0.1, bg;q=0.9', 'bg'],
    ['bg;q=0', 'en'],
    ['', 'en'],
    [null, 'en'],
    ['*', 'en'],
  ])('%j → %s', (header, locale) => {
    expect(localeFromAcceptLanguage(header)).toBe(locale);
  });
});
