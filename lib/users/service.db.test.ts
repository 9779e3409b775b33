import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, validateSession } from '@/lib/auth/sessions';
import { signIn } from '@/lib/auth/sign-in';
import { createSecretBox } from '@/lib/crypto/secret-box';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, users } from '@/lib/db/schema';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import {
  changeRole,
  createUser,
  ensureFirstAdmin,
  listUsers,
  resetPassword,
  revokeSessions,
  setDisabled,
} from './service';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await openTestDatabase();
});
afterAll(async () => {
  await handle.close();
});

const auditFor = async (id: string) =>
  (await handle.db.select().from(auditEvents).where(eq(auditEvents.targetId, id))).map((a) => a.action);

describe('users service', () => {
  it('first run creates one admin with a generated password, never twice', async () => {
    const first = await ensureFirstAdmin(handle.db);
    expect(first.created).toBe(true);
    if (!first.created) return;
    expect(first.password).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    const r = await signIn(
      handle.db,
      { username: 'admin', password: first.password!, clientAddress: '127.0.0.1', userAgent: null },
      createSecretBox('k'.repeat(40)),
    );
    expect(r.ok).toBe(true);
    expect(await ensureFirstAdmin(handle.db)).toEqual({ created: false });
  });

  it('creates a user with audit, refuses duplicates and bad names with field errors', async () => {
    const admin = await makeUser(handle.db, { role: 'admin' });
    const created = await createUser(handle.db, actorFor(admin), { username: ' Carol ', role: 'approver' });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.value.user.username).toBe('carol');
    expect(created.value.generatedPassword).toBeTruthy();
    expect(await auditFor(created.value.user.id)).toContain('user.create');
    const dup = await createUser(handle.db, actorFor(admin), {
      username: 'carol',
      role: 'user',
      password: 'x'.repeat(14),
    });
    expect(dup).toMatchObject({ ok: false, error: { code: 'username_taken' } });
    const bad = await createUser(handle.db, actorFor(admin), { username: '-x y', role: 'user' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', fields: { username: expect.any(String) } },
    });
    const short = await createUser(handle.db, actorFor(admin), {
      username: 'dave',
      role: 'user',
      password: 'short',
    });
    expect(short).toMatchObject({ ok: false, error: { fields: { password: expect.stringMatching(/12/) } } });
  });

  it('changes role, disables (revoking sessions), resets password, revokes sessions — each audited', async () => {
    const admin = await makeUser(handle.db, { role: 'admin' });
    const user = await makeUser(handle.db);
    const { token } = await createSession(handle.db, {
      userId: user.id,
      clientAddress: null,
      userAgent: null,
    });
    expect(await validateSession(handle.db, token)).not.toBeNull();

    expect((await changeRole(handle.db, actorFor(admin), user.id, 'approver')).ok).toBe(true);
    expect((await revokeSessions(handle.db, actorFor(admin), user.id)).ok).toBe(true);
    expect(await validateSession(handle.db, token)).toBeNull();

    const second = await createSession(handle.db, { userId: user.id, clientAddress: null, userAgent: null });
    expect((await setDisabled(handle.db, actorFor(admin), user.id, true)).ok).toBe(true);
    expect(await validateSession(handle.db, second.token)).toBeNull();
    expect((await setDisabled(handle.db, actorFor(admin), user.id, false)).ok).toBe(true);

    const reset = await resetPassword(handle.db, actorFor(admin), user.id);
    expect(reset.ok && reset.value.generatedPassword).toBeTruthy();
    const [row] = await handle.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.mustChangePassword).toBe(true);

    expect(await auditFor(user.id)).toEqual(
      expect.arrayContaining([
        'user.role_change',
        'user.sessions_revoke',
        'user.disable',
        'user.enable',
        'user.password_reset',
      ]),
    );
  });

  it('never leaves Knockgate without an enabled admin, and an admin cannot disable themselves', async () => {
    const fresh = await openTestDatabase();
    try {
      const only = await makeUser(fresh.db, { role: 'admin' });
      const other = await makeUser(fresh.db, { role: 'admin', disabled: true });
      expect(await changeRole(fresh.db, actorFor(other), only.id, 'user')).toMatchObject({
        ok: false,
        error: { code: 'last_admin' },
      });
      expect(await setDisabled(fresh.db, actorFor(only), only.id, true)).toMatchObject({
        ok: false,
        error: { code: 'not_allowed' },
      });
    } finally {
      await fresh.close();
    }
  });
});

const refusedAsAppendOnly = (error: unknown) =>
  /append-only/.test(String((error as { cause?: { message?: string } }).cause?.message ?? error));

describe('audit log', () => {
  it('is append-only at the database level: update, delete and truncate are refused', async () => {
    const admin = await makeUser(handle.db, { role: 'admin' });
    await createUser(handle.db, actorFor(admin), { username: 'erin', role: 'user' });
    const before = await handle.db.select().from(auditEvents);
    expect(before.length).toBeGreaterThan(0);
    await expect(handle.db.update(auditEvents).set({ action: 'tampered' })).rejects.toSatisfy(
      refusedAsAppendOnly,
    );
    await expect(handle.db.delete(auditEvents)).rejects.toSatisfy(refusedAsAppendOnly);
    await expect(handle.db.execute(sql`truncate audit_events`)).rejects.toSatisfy(refusedAsAppendOnly);
    const after = await handle.db.select().from(auditEvents);
    expect(after).toEqual(before);
  });
});

describe('listUsers', () => {
  it("counts each user's live sessions", async () => {
    const a = await makeUser(handle.db);
    const b = await makeUser(handle.db);
    await createSession(handle.db, { userId: a.id, clientAddress: null, userAgent: null });
    await createSession(handle.db, { userId: a.id, clientAddress: null, userAgent: null });
    const revoked = await createSession(handle.db, { userId: b.id, clientAddress: null, userAgent: null });
    await revokeSessions(handle.db, actorFor(a), b.id);
    const list = await listUsers(handle.db);
    expect(list.find((u) => u.id === a.id)?.liveSessions).toBe(2);
    expect(list.find((u) => u.id === b.id)?.liveSessions).toBe(0);
    expect(revoked.token).toBeTruthy();
  });
});
