/**
 * Grant activity for the admin dashboard: grants opened per hour, and per router how many grants
 * were active in each hour, over the last days (hour buckets in UTC).
 */
import { and, count, eq, gt, gte, isNotNull, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { grants, routers } from '../db/schema';

export type Activity = {
  /** Start of each hour bucket (ISO), oldest first; the last one holds `now`. */
  hours: string[];
  opened: number[];
  routers: { id: string; name: string; active: number[]; current: number }[];
};

const HOUR = 3_600_000;

export async function grantActivity(db: Queryable, now = new Date(), days = 7): Promise<Activity> {
  const last = Math.floor(now.getTime() / HOUR) * HOUR;
  const buckets = days * 24;
  const start = new Date(last - (buckets - 1) * HOUR);
  const hours = Array.from({ length: buckets }, (_, i) => new Date(start.getTime() + i * HOUR));
  const firstHour = start.getTime() / HOUR;
  // Hours since the epoch, so that buckets do not depend on the session's time zone.
  const index = (hour: unknown) => Number(hour) - firstHour;

  const hourOf = sql<number>`floor(extract(epoch from ${grants.createdAt}) / 3600)::int`;
  const openedRows = await db
    .select({ hour: hourOf, n: count() })
    .from(grants)
    .where(and(gte(grants.createdAt, start), lt(grants.createdAt, new Date(last + HOUR))))
    .groupBy(hourOf);
  const opened = new Array<number>(buckets).fill(0);
  for (const r of openedRows) {
    const i = index(r.hour);
    if (i >= 0 && i < buckets) opened[i] = Number(r.n);
  }

  // A grant counts in an hour when the router held it at some moment of that hour.
  const series = sql`generate_series(${start.toISOString()}::timestamptz, ${new Date(last).toISOString()}::timestamptz, interval '1 hour')`;
  const ends = sql`coalesce(${grants.endedAt}, ${grants.expiresAt})`;
  const activeRows = await db
    .select({
      routerId: grants.routerId,
      hour: sql<number>`floor(extract(epoch from h.h) / 3600)::int`,
      n: count(),
    })
    .from(sql`${series} as h(h)`)
    .innerJoin(
      grants,
      and(
        isNotNull(grants.activatedAt),
        sql`${grants.activatedAt} < h.h + interval '1 hour'`,
        sql`${ends} > h.h`,
        sql`${grants.activatedAt} <= ${now.toISOString()}::timestamptz`,
      ),
    )
    .groupBy(grants.routerId, sql`h.h`);
  const currentRows = await db
    .select({ routerId: grants.routerId, n: count() })
    .from(grants)
    .where(and(eq(grants.status, 'active'), gt(grants.expiresAt, now)))
    .groupBy(grants.routerId);
  const list = await db.select({ id: routers.id, name: routers.name }).from(routers).orderBy(routers.name);
  return {
    hours: hours.map((h) => h.toISOString()),
    opened,
    routers: list.map((r) => {
      const active = new Array<number>(buckets).fill(0);
      for (const row of activeRows) {
        if (row.routerId !== r.id) continue;
        const i = index(row.hour);
        if (i >= 0 && i < buckets) active[i] = Number(row.n);
      }
      return {
        ...r,
        active,
        current: Number(currentRows.find((c) => c.routerId === r.id)?.n ?? 0),
      };
    }),
  };
}
