import { authorizeRoute } from '@/lib/auth/guards';
import { liveView } from '@/lib/grants/live-all';

export const dynamic = 'force-dynamic';

/** Admin › Grants polls this: every router's list as the router holds it, joined with grants. */
export async function GET(request: Request) {
  const auth = await authorizeRoute(['admin', 'approver']);
  if (!auth.ok) return auth.response;
  const routerId = new URL(request.url).searchParams.get('router') ?? undefined;
  if (routerId !== undefined && !/^[0-9a-f-]{36}$/.test(routerId)) {
    return Response.json({ error: { code: 'invalid_input', message: 'Unknown router.' } }, { status: 400 });
  }
  const routers = await liveView({ routerId });
  return Response.json(
    { routers, serverTime: new Date().toISOString() },
    { headers: { 'cache-control': 'no-store' } },
  );
}
