'use client';

import { useRouter } from 'next/navigation';
import { useLocale, useTranslations } from 'next-intl';
import { startTransition, useEffect, useState } from 'react';
import { saveLocaleAction } from '@/app/(portal)/account/actions';
import { isTheme, THEME_COOKIE, type Theme } from '@/components/theme';
import { LOCALE_COOKIE, locales } from '@/i18n/locales';

const YEAR = 60 * 60 * 24 * 365;

function readCookie(name: string): string | undefined {
  return document.cookie
    .split('; ')
    .find((c) => c.startsWith(`${name}=`))
    ?.split('=')[1];
}

/** Theme and language switches; both are plain cookies read on the server. */
export function Preferences() {
  const t = useTranslations('common');
  const locale = useLocale();
  const router = useRouter();
  const [theme, setTheme] = useState<Theme>('system');

  useEffect(() => {
    const saved = readCookie(THEME_COOKIE);
    if (isTheme(saved)) setTheme(saved);
  }, []);

  function applyTheme(next: Theme) {
    setTheme(next);
    document.cookie = `${THEME_COOKIE}=${next}; path=/; max-age=${YEAR}; samesite=lax`;
    const root = document.documentElement;
    root.classList.remove('light', 'dark');
    if (next !== 'system') root.classList.add(next);
  }

  function applyLocale(next: string) {
    document.cookie = `${LOCALE_COOKIE}=${next}; path=/; max-age=${YEAR}; samesite=lax`;
    // Signed in: remember the choice on the account too, for the person's other browsers.
    const form = new FormData();
    form.set('locale', next);
    startTransition(async () => {
      await saveLocaleAction(null, form).catch(() => null);
      router.refresh();
    });
  }

  const select =
    'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
  return (
    <div className="flex items-center gap-2">
      <label className="sr-only" htmlFor="pref-theme">
        {t('theme')}
      </label>
      <select
        id="pref-theme"
        className={select}
        value={theme}
        onChange={(e) => applyTheme(e.target.value as Theme)}
      >
        <option value="system">{t('themeSystem')}</option>
        <option value="light">{t('themeLight')}</option>
        <option value="dark">{t('themeDark')}</option>
      </select>
      <label className="sr-only" htmlFor="pref-locale">
        {t('language')}
      </label>
      <select
        id="pref-locale"
        className={select}
        value={locale}
        onChange={(e) => applyLocale(e.target.value)}
      >
        {locales.map((l) => (
          <option key={l} value={l}>
            {l === 'en' ? 'English' : 'Български'}
          </option>
        ))}
      </select>
    </div>
  );
}
