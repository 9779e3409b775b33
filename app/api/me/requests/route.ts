import { localizedErrorResponse } from '@/i18n/localized-response';
import { requestLocale } from '@/i18n/request-locale';
import { localizeMessagesIn } from '@/i18n/server-messages';
import { authorizeRoute } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { requestsOfUser } from '@/lib/requests/views';

export const dynamic = 'force-dynamic';

/**
 * The caller's own requests with their grants, polled by Portal › Requests for live status (a
 * grant's router error in their language).
 */
export async function GET() {
  const auth = await authorizeRoute();
  if (!auth.ok) return localizedErrorResponse(auth.response, await requestLocale());
  const requests = localizeMessagesIn(
    await requestsOfUser(await getDb(), auth.current.user.id),
    ['lastError'],
    await requestLocale(auth.current.user),
  );
  return Response.json(
    { requests, serverTime: new Date().toISOString() },
    { headers: { 'cache-control': 'no-store' } },
  );
}
