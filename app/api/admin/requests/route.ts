import { localizedErrorResponse } from '@/i18n/localized-response';
import { requestLocale } from '@/i18n/request-locale';
import { authorizeRoute } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { APPROVER_ROLES, pendingCountFor } from '@/lib/requests/service';
import { approvalQueue, recentDecisions } from '@/lib/requests/views';

export const dynamic = 'force-dynamic';

/** Admin › Approvals polls this: the queue, the latest decisions, and the count for the badge. */
export async function GET() {
  const auth = await authorizeRoute([...APPROVER_ROLES]);
  if (!auth.ok) return localizedErrorResponse(auth.response, await requestLocale());
  const db = await getDb();
  const viewer = auth.current.user.id;
  const [queue, recent, pending] = await Promise.all([
    approvalQueue(db, viewer),
    recentDecisions(db),
    pendingCountFor(db, viewer),
  ]);
  return Response.json(
    { queue, recent, pending, serverTime: new Date().toISOString() },
    { headers: { 'cache-control': 'no-store' } },
  );
}
