import { and, eq, isNull } from 'drizzle-orm';
import { hashToken, randomToken } from '../crypto/tokens';
import type { Queryable } from '../db/client';
import { type Session, sessions, type User, users } from '../db/schema';

/**
 * Server-side sessions. The signed session cookie carries only a random token; the row here
 * decides whether it is still valid, so an admin can revoke it and the next request is refused.
 */
export const SESSION_TTL_MS = 12 * 60 * 60_000;
const TOUCH_EVERY_MS = 60_000;

export async function createSession(
  db: Queryable,
  input: { userId: string; clientAddress: string | null; userAgent: string | null; now?: Date },
): Promise<{ token: string; session: Session }> {
  const now = input.now ?? new Date();
  const token = randomToken(32);
  const [session] = await db
    .insert(sessions)
    .values({
      tokenHash: hashToken(token),
      userId: input.userId,
      clientAddress: input.clientAddress,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    })
    .returning();
  return { token, session: session! };
}

export type ValidSession = { session: Session; user: User };

export async function validateSession(
  db: Queryable,
  token: string,
  now = new Date(),
): Promise<ValidSession | null> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 100) return null;
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, hashToken(token)), isNull(sessions.revokedAt)))
    .limit(1);
  if (!row) return null;
  if (row.session.expiresAt.getTime() <= now.getTime()) return null;
  if (row.user.disabled) return null;
  if (now.getTime() - row.session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.session.id));
  }
  return row;
}

export async function revokeSessionByToken(db: Queryable, token: string, reason: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.tokenHash, hashToken(token)), isNull(sessions.revokedAt)));
}

/** Revokes every live session of a user; returns how many were live. */
export async function revokeUserSessions(db: Queryable, userId: string, reason: string): Promise<number> {
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length;
}
