import { and, asc, count, eq, gt, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { generatePassword, hashPassword, passwordProblem } from '../auth/password';
import { revokeUserSessions } from '../auth/sessions';
import type { Db, Queryable } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { type Role, roleEnum, sessions, type User, users } from '../db/schema';
import { fail, ok, type Result } from '../result';

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(2, 'Use at least 2 characters.')
  .max(64, 'Use at most 64 characters.')
  .regex(/^[a-z0-9][a-z0-9._@-]*$/, 'Use letters, digits and . _ @ - (starting with a letter or digit).');

export const roleSchema = z.enum(roleEnum.enumValues, { error: 'Choose admin, approver or user.' });

export type PublicUser = Pick<
  User,
  'id' | 'username' | 'email' | 'displayName' | 'role' | 'disabled' | 'lastSignInAt' | 'createdAt'
> & { totpEnabled: boolean; liveSessions: number };

export async function listUsers(db: Db): Promise<PublicUser[]> {
  const rows = await db
    .select({
      id: users.id,
      username: users.username,
      email: users.email,
      displayName: users.displayName,
      role: users.role,
      disabled: users.disabled,
      lastSignInAt: users.lastSignInAt,
      createdAt: users.createdAt,
      totpEnabledAt: users.totpEnabledAt,
    })
    .from(users)
    .orderBy(asc(users.username));
  const live = await db
    .select({ userId: sessions.userId, n: count() })
    .from(sessions)
    .where(and(isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())))
    .groupBy(sessions.userId);
  const liveByUser = new Map(live.map((r) => [r.userId, Number(r.n)]));
  return rows.map(({ totpEnabledAt, ...row }) => ({
    ...row,
    liveSessions: liveByUser.get(row.id) ?? 0,
    totpEnabled: totpEnabledAt !== null,
  }));
}

export async function findUserById(db: Queryable, id: string): Promise<User | undefined> {
  return (await db.select().from(users).where(eq(users.id, id)).limit(1))[0];
}

/**
 * Locks the person's row until the transaction ends, so checks of the form "count, then insert"
 * made for one person at the same moment (caps, limits) run one after the other.
 */
export async function lockUserRow(tx: Queryable, userId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
}

type CreateUserInput = {
  username: string;
  role: Role;
  password?: string;
  email?: string | null;
  displayName?: string | null;
};

/** Creates a user; without a password one is generated and returned (shown once). */
export async function createUser(
  db: Db,
  actor: Actor,
  input: CreateUserInput,
): Promise<Result<{ user: User; generatedPassword?: string }>> {
  const username = usernameSchema.safeParse(input.username);
  if (!username.success) {
    return fail('invalid_input', 'Check the user name.', { username: username.error.issues[0]!.message });
  }
  const generatedPassword = input.password ? undefined : generatePassword();
  const password = input.password ?? generatedPassword!;
  const problem = passwordProblem(password);
  if (problem) return fail('invalid_input', 'Check the password.', { password: problem });
  const passwordHash = await hashPassword(password);
  return db
    .transaction(async (tx) => {
      const existing = await tx.select({ id: users.id }).from(users).where(eq(users.username, username.data));
      if (existing.length > 0) {
        return fail('username_taken', 'That user name is taken.', { username: 'That user name is taken.' });
      }
      const [user] = await tx
        .insert(users)
        .values({
          username: username.data,
          role: input.role,
          passwordHash,
          email: input.email || null,
          displayName: input.displayName || null,
          mustChangePassword: false,
        })
        .returning();
      await recordAudit(tx, {
        actor,
        action: 'user.create',
        targetType: 'user',
        targetId: user!.id,
        target: user!.username,
        details: { after: { role: user!.role, email: user!.email } },
      });
      return ok({ user: user!, ...(generatedPassword ? { generatedPassword } : {}) });
    })
    .catch((error: unknown) => {
      // Two creations of one name at the same moment: the unique index decides.
      if (isUniqueViolation(error)) {
        return fail('username_taken', 'That user name is taken.', { username: 'That user name is taken.' });
      }
      throw error;
    });
}

/** Refuses changes that would leave no enabled admin. */
/**
 * Whether demoting or disabling `userId` would leave no enabled admin. Every enabled admin row is
 * locked (in id order, so two such changes never deadlock) until the transaction ends: two admins
 * disabling each other at the same moment are decided one after the other, and the second sees
 * the first's change.
 */
async function wouldRemoveLastAdmin(tx: Queryable, userId: string): Promise<boolean> {
  const admins = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.disabled, false)))
    .orderBy(asc(users.id))
    .for('update');
  return admins.filter((a) => a.id !== userId).length === 0;
}

export async function changeRole(db: Db, actor: Actor, userId: string, role: Role): Promise<Result<User>> {
  return db.transaction(async (tx) => {
    const user = await findUserById(tx, userId);
    if (!user) return fail('not_found', 'No such user.');
    if (user.role === role) return ok(user);
    if (user.role === 'admin' && (await wouldRemoveLastAdmin(tx, userId))) {
      return fail('last_admin', 'Knockgate needs at least one enabled admin; make someone else admin first.');
    }
    const [updated] = await tx
      .update(users)
      .set({ role, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'user.role_change',
      targetType: 'user',
      targetId: userId,
      target: user.username,
      details: { before: { role: user.role }, after: { role } },
    });
    return ok(updated!);
  });
}

export async function setDisabled(
  db: Db,
  actor: Actor,
  userId: string,
  disabled: boolean,
): Promise<Result<User>> {
  return db.transaction(async (tx) => {
    const user = await findUserById(tx, userId);
    if (!user) return fail('not_found', 'No such user.');
    if (user.disabled === disabled) return ok(user);
    if (disabled && userId === actor.userId)
      return fail('not_allowed', 'You cannot disable your own account.');
    if (disabled && user.role === 'admin' && (await wouldRemoveLastAdmin(tx, userId))) {
      return fail('last_admin', 'Knockgate needs at least one enabled admin.');
    }
    const [updated] = await tx
      .update(users)
      .set({ disabled, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    const revoked = disabled ? await revokeUserSessions(tx, userId, 'user disabled') : 0;
    await recordAudit(tx, {
      actor,
      action: disabled ? 'user.disable' : 'user.enable',
      targetType: 'user',
      targetId: userId,
      target: user.username,
      details: { before: { disabled: user.disabled }, after: { disabled }, sessionsRevoked: revoked },
    });
    return ok(updated!);
  });
}

/** Sets a new password (generated when none is given), signs the user out everywhere. */
export async function resetPassword(
  db: Db,
  actor: Actor,
  userId: string,
  password?: string,
): Promise<Result<{ generatedPassword?: string }>> {
  const generatedPassword = password ? undefined : generatePassword();
  const next = password ?? generatedPassword!;
  const problem = passwordProblem(next);
  if (problem) return fail('invalid_input', 'Check the password.', { password: problem });
  const passwordHash = await hashPassword(next);
  return db.transaction(async (tx) => {
    const user = await findUserById(tx, userId);
    if (!user) return fail('not_found', 'No such user.');
    await tx
      .update(users)
      .set({ passwordHash, mustChangePassword: actor.userId !== userId, updatedAt: new Date() })
      .where(eq(users.id, userId));
    const revoked = await revokeUserSessions(tx, userId, 'password reset');
    await recordAudit(tx, {
      actor,
      action: 'user.password_reset',
      targetType: 'user',
      targetId: userId,
      target: user.username,
      details: { sessionsRevoked: revoked, generated: generatedPassword !== undefined },
    });
    return ok(generatedPassword ? { generatedPassword } : {});
  });
}

export async function revokeSessions(
  db: Db,
  actor: Actor,
  userId: string,
): Promise<Result<{ revoked: number }>> {
  return db.transaction(async (tx) => {
    const user = await findUserById(tx, userId);
    if (!user) return fail('not_found', 'No such user.');
    const revoked = await revokeUserSessions(tx, userId, `revoked by ${actor.label}`);
    await recordAudit(tx, {
      actor,
      action: 'user.sessions_revoke',
      targetType: 'user',
      targetId: userId,
      target: user.username,
      details: { revoked },
    });
    return ok({ revoked });
  });
}

export async function countAdmins(db: Queryable): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users).where(eq(users.role, 'admin'));
  return Number(row?.n ?? 0);
}

/**
 * First run: when no admin exists, create one. With explicit credentials (automated set-ups)
 * those are used; otherwise a random password is generated and returned to be printed once.
 * Never a fixed default password.
 */
export async function ensureFirstAdmin(
  db: Db,
  explicit?: { username: string; password: string },
): Promise<{ created: false } | { created: true; username: string; password?: string }> {
  if ((await countAdmins(db)) > 0) return { created: false };
  const username = explicit?.username ?? 'admin';
  const result = await createUser(
    db,
    { userId: null, label: 'system', clientAddress: null },
    { username, role: 'admin', ...(explicit ? { password: explicit.password } : {}) },
  );
  if (!result.ok) {
    // Several instances starting together on one PostgreSQL: another one created it first.
    if (result.error.code === 'username_taken' && (await countAdmins(db)) > 0) return { created: false };
    throw new Error(
      `Could not create the first admin: ${result.error.message} ${JSON.stringify(result.error.fields)}`,
    );
  }
  return { created: true, username: result.value.user.username, password: result.value.generatedPassword };
}
