import { authorizeRoute } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { userGrantViews } from '@/lib/grants/views';

export const dynamic = 'force-dynamic';

/** The caller's own grants, polled by the portal for live status. */
export async function GET() {
  const auth = await authorizeRoute();
  if (!auth.ok) return auth.response;
  const grants = await userGrantViews(await getDb(), auth.current.user.id, { routerPresence: true });
  return Response.json(
    { address: auth.current.clientAddress?.address ?? null, grants, serverTime: new Date().toISOString() },
    { headers: { 'cache-control': 'no-store' } },
  );
}
