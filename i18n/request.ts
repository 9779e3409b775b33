import { getRequestConfig } from 'next-intl/server';
import { loadMessages } from './messages';
import { requestLocale } from './request-locale';

/** The locale: see requestLocale (cookie, then the person's saved choice, then Accept-Language). */
export default getRequestConfig(async () => {
  const locale = await requestLocale();
  return {
    locale,
    messages: loadMessages(locale),
    timeZone: 'UTC',
  };
});
