import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { type Grant, grants, routers } from '@/lib/db/schema';
import { openTestDatabase } from '@/tests/db';
import { grantActivity } from './activity';

let db: DatabaseHandle;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const HOUR = 3_600_000;

async function router(name: string) {
  const [row] = await db.db
    .insert(routers)
    .values({ name, host: '127.0.0.1', port: 8728, username: 'admin', passwordEnc: 'x' })
    .returning();
  return row!;
}

async function grant(
  routerId: string,
  createdAt: Date,
  values: Partial<Pick<Grant, 'status' | 'activatedAt' | 'endedAt' | 'expiresAt'>>,
) {
  await db.db.insert(grants).values({
    id: randomUUID(),
    userId: null,
    routerId,
    family: 'ip',
    list: 'knockgate',
    address: `198.51.100.${Math.floor(Math.random() * 250) + 1}`,
    source: 'web',
    status: 'expired',
    openedBy: 'test',
    createdAt,
    activatedAt: createdAt,
    expiresAt: new Date(createdAt.getTime() + HOUR),
    ...values,
  });
}

describe('grantActivity', () => {
  it('counts grants opened per hour and, per router, the grants active in each hour over 7 days', async () => {
    const now = new Date('2026-11-26T12:30:00Z');
    const a = await router('alpha');
    const b = await router('beta');
    // Opened 10:05 and 10:50 on alpha, each for 1 h; one at 11:10 on beta, still active.
    await grant(a.id, new Date('2026-11-26T10:05:00Z'), {});
    await grant(a.id, new Date('2026-11-26T10:50:00Z'), {});
    await grant(b.id, new Date('2026-11-26T11:10:00Z'), {
      status: 'active',
      expiresAt: new Date('2026-11-26T20:00:00Z'),
    });
    // Pending that never reached the router: opened, but never active.
    await grant(b.id, new Date('2026-11-26T12:00:00Z'), { status: 'pending', activatedAt: null });
    // Revoked early: 09:00–09:20.
    await grant(a.id, new Date('2026-11-26T09:00:00Z'), {
      status: 'revoked',
      endedAt: new Date('2026-11-26T09:20:00Z'),
      expiresAt: new Date('2026-11-26T17:00:00Z'),
    });
    // Eight days ago: outside the window.
    await grant(a.id, new Date(now.getTime() - 8 * 24 * HOUR), {});

    const activity = await grantActivity(db.db, now);
    expect(activity.hours).toHaveLength(168);
    expect(activity.hours.at(-1)).toBe('2026-11-26T12:00:00.000Z');
    expect(activity.hours[0]).toBe('2026-11-19T13:00:00.000Z');
    const at = (iso: string) => activity.hours.indexOf(iso);
    expect(activity.opened.slice(at('2026-11-26T09:00:00.000Z'))).toEqual([1, 2, 1, 1]);
    expect(activity.opened.reduce((s, n) => s + n, 0)).toBe(5);

    const alpha = activity.routers.find((r) => r.name === 'alpha')!;
    const beta = activity.routers.find((r) => r.name === 'beta')!;
    // alpha: 09 (revoked one), 10 (two), 11 (both still until 11:05/11:50), 12 none.
    expect(alpha.active.slice(at('2026-11-26T09:00:00.000Z'))).toEqual([1, 2, 2, 0]);
    expect(beta.active.slice(at('2026-11-26T09:00:00.000Z'))).toEqual([0, 0, 1, 1]);
    expect(alpha.current).toBe(0);
    expect(beta.current).toBe(1);
  });
});
