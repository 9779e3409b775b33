import { cookies, headers } from 'next/headers';
import { getRequestConfig } from 'next-intl/server';
import { getCurrentUser } from '@/lib/auth/guards';
import { isLocale, LOCALE_COOKIE, localeFromAcceptLanguage } from './locales';
import { loadMessages } from './messages';

/**
 * The locale: this browser's choice (cookie), else the signed-in person's saved choice, else the
 * browser's Accept-Language.
 */
export default getRequestConfig(async () => {
  const chosen = (await cookies()).get(LOCALE_COOKIE)?.value;
  let locale = isLocale(chosen) ? chosen : undefined;
  if (!locale) {
    const saved = (await getCurrentUser())?.user.locale;
    locale = isLocale(saved) ? saved : localeFromAcceptLanguage((await headers()).get('accept-language'));
  }
  return {
    locale,
    messages: loadMessages(locale),
    timeZone: 'UTC',
  };
});
