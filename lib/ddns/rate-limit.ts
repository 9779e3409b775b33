import { and, count, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rateEvents } from '../db/schema';

/**
 * Counts events per key in a sliding window, in the database, so the limit holds across app
 * instances. Each call records one event and answers how many the window now holds (this one
 * included); events older than ten windows are pruned for the same key on the way.
 */
export async function recordRateEvent(
  db: Db,
  key: string,
  options: { windowMs: number; now?: Date },
): Promise<number> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - options.windowMs);
  return db.transaction(async (tx) => {
    await tx
      .delete(rateEvents)
      .where(
        and(eq(rateEvents.key, key), lt(rateEvents.at, new Date(now.getTime() - 10 * options.windowMs))),
      );
    await tx.insert(rateEvents).values({ key, at: now });
    const [row] = await tx
      .select({ n: count() })
      .from(rateEvents)
      .where(and(eq(rateEvents.key, key), gt(rateEvents.at, since)));
    return Number(row?.n ?? 0);
  });
}
