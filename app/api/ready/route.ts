import { headers } from 'next/headers';
import { getDb } from '@/lib/db';
import { pingDatabase } from '@/lib/db/client';
import { workerStatus } from '@/lib/grants/worker';
import { mayScrape } from '@/lib/observability/scrape-auth';
import { listRouters } from '@/lib/routers/service';

export const dynamic = 'force-dynamic';

/**
 * Readiness: the database answers, and each router as the reconciler last saw it. 503 when the
 * database is down (a load balancer should stop sending traffic); an unreachable router does not
 * make the instance unready — it is reported, and grants to it wait as pending.
 */
export async function GET() {
  const detailed = mayScrape(await headers());
  let database = false;
  let routers: { name: string; reachable: boolean | null; checkedAt: string | null }[] = [];
  const status = workerStatus();
  try {
    const db = await getDb();
    database = await pingDatabase(db);
    routers = (await listRouters(db))
      .filter((r) => r.enabled)
      .map((r) => {
        const report = status.routers[r.id];
        return {
          name: r.name,
          reachable: report ? !report.skipped : null,
          checkedAt: status.lastRunAt,
        };
      });
  } catch {
    database = false;
  }
  return Response.json(
    {
      status: database ? 'ready' : 'unavailable',
      database: database ? 'up' : 'down',
      // Router names and the reconciler's state are for operators only (loopback or METRICS_TOKEN).
      ...(detailed
        ? {
            routers,
            reconciler: { leader: status.leader, lastRunAt: status.lastRunAt, paused: status.paused },
          }
        : {}),
    },
    { status: database ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
}
