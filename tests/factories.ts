import type { Actor } from '@/lib/audit/actor';
import { hashPassword } from '@/lib/auth/password';
import type { Db } from '@/lib/db/client';
import { type Role, users } from '@/lib/db/schema';

let counter = 0;
let cachedHash: { password: string; hash: Promise<string> } | undefined;

export const TEST_PASSWORD = 'correct horse battery staple';

/** A user row; all share one argon2 hash of TEST_PASSWORD to keep tests quick. */
export async function makeUser(
  db: Db,
  overrides: { role?: Role; username?: string; disabled?: boolean } = {},
) {
  counter += 1;
  cachedHash ??= { password: TEST_PASSWORD, hash: hashPassword(TEST_PASSWORD) };
  const [user] = await db
    .insert(users)
    .values({
      username: overrides.username ?? `user${counter}-${Math.random().toString(36).slice(2, 7)}`,
      role: overrides.role ?? 'user',
      disabled: overrides.disabled ?? false,
      passwordHash: await cachedHash.hash,
    })
    .returning();
  return user!;
}

export function actorFor(user: { id: string; username: string }, clientAddress = '127.0.0.1'): Actor {
  return { userId: user.id, label: user.username, clientAddress };
}
