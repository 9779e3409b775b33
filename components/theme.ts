export const THEME_COOKIE = 'knockgate.theme';
export type Theme = 'system' | 'light' | 'dark';

export function isTheme(value: unknown): value is Theme {
  return value === 'system' || value === 'light' || value === 'dark';
}

/** Class for <html>: none follows the system preference. */
export function themeClass(value: string | undefined): string | undefined {
  return value === 'light' || value === 'dark' ? value : undefined;
}
