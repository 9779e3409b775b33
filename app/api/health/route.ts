import { getDb } from '@/lib/db';
import { pingDatabase } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/** Liveness plus database reachability; no secrets, no details an outsider could use. */
export async function GET() {
  let database = false;
  try {
    database = await pingDatabase(await getDb());
  } catch {
    database = false;
  }
  return Response.json(
    { status: database ? 'ok' : 'degraded', database: database ? 'up' : 'down' },
    { status: database ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
}
