import { authorizeRoute } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { requestsOfUser } from '@/lib/requests/views';

export const dynamic = 'force-dynamic';

/** The caller's own requests with their grants, polled by Portal › Requests for live status. */
export async function GET() {
  const auth = await authorizeRoute();
  if (!auth.ok) return auth.response;
  const requests = await requestsOfUser(await getDb(), auth.current.user.id);
  return Response.json(
    { requests, serverTime: new Date().toISOString() },
    { headers: { 'cache-control': 'no-store' } },
  );
}
