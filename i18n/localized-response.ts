import type { ErrorValue } from '../lib/result';
import { defaultLocale, type Locale } from './locales';
import { localizeError } from './server-messages';

/**
 * A route handler's JSON error answer (`{ error: { code, message, fields? } }`, e.g. the 401/403
 * of authorizeRoute) with its messages in the caller's language; any other answer as it is.
 */
export async function localizedErrorResponse(response: Response, locale: Locale): Promise<Response> {
  if (locale === defaultLocale || !response.headers.get('content-type')?.includes('application/json')) {
    return response;
  }
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { error?: ErrorValue } | null;
  if (typeof body?.error?.message !== 'string') return response;
  return Response.json(
    { ...body, error: localizeError(body.error, locale) },
    { status: response.status, headers: response.headers },
  );
}
