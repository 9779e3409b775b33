import { localizedErrorResponse } from '@/i18n/localized-response';
import { requestLocale } from '@/i18n/request-locale';
import { authorizeRoute } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { APPROVER_ROLES, pendingCountFor } from '@/lib/requests/service';

export const dynamic = 'force-dynamic';

/** The number of requests waiting for the caller's decision (the navigation badge). */
export async function GET() {
  const auth = await authorizeRoute([...APPROVER_ROLES]);
  if (!auth.ok) return localizedErrorResponse(auth.response, await requestLocale());
  const pending = await pendingCountFor(await getDb(), auth.current.user.id);
  return Response.json({ pending }, { headers: { 'cache-control': 'no-store' } });
}
