import { localizedErrorResponse } from '@/i18n/localized-response';
import { requestLocale } from '@/i18n/request-locale';
import { localizeError, localizeMessagesIn } from '@/i18n/server-messages';
import { authorizeRoute } from '@/lib/auth/guards';
import { liveView } from '@/lib/grants/live-all';

export const dynamic = 'force-dynamic';

/**
 * Admin › Grants polls this: every router's list as the router holds it, joined with grants
 * (a router's read error and a grant's last error in the caller's language).
 */
export async function GET(request: Request) {
  const auth = await authorizeRoute(['admin', 'approver']);
  if (!auth.ok) return localizedErrorResponse(auth.response, await requestLocale());
  const locale = await requestLocale(auth.current.user);
  const routerId = new URL(request.url).searchParams.get('router') ?? undefined;
  if (routerId !== undefined && !/^[0-9a-f-]{36}$/.test(routerId)) {
    return Response.json(
      { error: localizeError({ code: 'invalid_input', message: 'Unknown router.' }, locale) },
      { status: 400 },
    );
  }
  const routers = localizeMessagesIn(await liveView({ routerId }), ['message', 'lastError'], locale);
  return Response.json(
    { routers, serverTime: new Date().toISOString() },
    { headers: { 'cache-control': 'no-store' } },
  );
}
