import { cookies, headers } from 'next/headers';
import { getRequestConfig } from 'next-intl/server';
import { getCurrentUser } from '@/lib/auth/guards';
import { isLocale, LOCALE_COOKIE, localeFromAcceptLanguage } from './locales';
import { loadMessages } from './messages';

/** The locale comes from the user's choice (cookie) or else the browser's Accept-Language. */
export default getRequestConfig(async () => {
  const chosen = (await cookies()).get(LOCALE_COOKIE)?.value;
  const locale = isLocale(chosen)
    ? chosen
    : localeFromAcceptLanguage((await headers()).get('accept-language'));
  return {
    locale,
    messages: loadMessages(locale),
    timeZone: 'UTC',
  };
});
