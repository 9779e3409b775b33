import { and, count, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rateEvents } from '../db/schema';

/**
 * Counts events per key in a sliding window, in the database, so the limit holds across app
 * instances. Answers how many the window holds with this event included. Events are recorded
 * only up to one past `limit` (the one that crosses it): once a key is over, further calls record
 * nothing, so a client hammering the endpoint cannot grow the table. Events older than ten windows
 * are pruned for the same key on the way.
 */
export async function recordRateEvent(
  db: Db,
  key: string,
  options: { windowMs: number; limit: number; now?: Date },
): Promise<number> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - options.windowMs);
  return db.transaction(async (tx) => {
    await tx
      .delete(rateEvents)
      .where(
        and(eq(rateEvents.key, key), lt(rateEvents.at, new Date(now.getTime() - 10 * options.windowMs))),
      );
    const [row] = await tx
      .select({ n: count() })
      .from(rateEvents)
      .where(and(eq(rateEvents.key, key), gt(rateEvents.at, since)));
    const before = Number(row?.n ?? 0);
    if (before <= options.limit) await tx.insert(rateEvents).values({ key, at: now });
    return before + 1;
  });
}
