import { localizedErrorResponse } from '@/i18n/localized-response';
import { requestLocale } from '@/i18n/request-locale';
import { localizeMessagesIn } from '@/i18n/server-messages';
import { authorizeRoute } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { userGrantViews } from '@/lib/grants/views';

export const dynamic = 'force-dynamic';

/** The caller's own grants, polled by the portal for live status (router errors in their language). */
export async function GET() {
  const auth = await authorizeRoute();
  if (!auth.ok) return localizedErrorResponse(auth.response, await requestLocale());
  const grants = localizeMessagesIn(
    await userGrantViews(await getDb(), auth.current.user.id, { routerPresence: true }),
    ['lastError'],
    await requestLocale(auth.current.user),
  );
  return Response.json(
    { address: auth.current.clientAddress?.address ?? null, grants, serverTime: new Date().toISOString() },
    { headers: { 'cache-control': 'no-store' } },
  );
}
