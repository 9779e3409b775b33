import { cookies, headers } from 'next/headers';
import { getCurrentUser } from '../lib/auth/guards';
import { isLocale, LOCALE_COOKIE, type Locale, localeFromAcceptLanguage } from './locales';

/**
 * The locale of this request: this browser's choice (cookie), else the signed-in person's saved
 * choice, else the browser's Accept-Language. Pages render in it (request.ts), and server
 * messages are translated into it, so an answer is in the language of the page that asked.
 * `user`: the already loaded person (null when signed out); omitted, it is looked up.
 */
export async function requestLocale(user?: { locale: string | null } | null): Promise<Locale> {
  const chosen = (await cookies()).get(LOCALE_COOKIE)?.value;
  if (isLocale(chosen)) return chosen;
  const saved = (user === undefined ? (await getCurrentUser())?.user : user)?.locale;
  if (isLocale(saved)) return saved;
  return localeFromAcceptLanguage((await headers()).get('accept-language'));
}
