/**
 * Devices: DynDNS2 clients (ddclient, inadyn, a router's own DDNS, a script) that move their
 * owner's grant to the address they report. A device has a name — the `hostname` the client
 * sends — and a random token shown once and stored as its SHA-256. The owner can rotate the token
 * or revoke the device; revoking ends the grants it holds.
 */
import { and, asc, count, eq, inArray, isNull } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { hashToken, randomToken } from '../crypto/tokens';
import type { Db, Queryable } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { type Device, devices, grants, LIVE_GRANT_STATUSES, routers, type User, users } from '../db/schema';
import { type GrantContext, type GrantOutcome, revokeGrant } from '../grants/service';
import { parseHostname } from '../net/hostname';
import { effectivePolicy } from '../policies/service';
import { fail, ok, type Result } from '../result';
import { lockUserRow } from '../users/service';

/** A device as pages show it: never the token hash. */
export type DeviceView = {
  id: string;
  name: string;
  routerId: string | null;
  routerName: string | null;
  lastAddress4: string | null;
  lastAddress6: string | null;
  lastUpdateAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  grants: {
    id: string;
    family: 'ip' | 'ipv6';
    address: string;
    routerName: string;
    list: string;
    status: string;
    expiresAt: string;
  }[];
};

/** The token in the clear exists only in this answer (shown once) and in the client's config. */
export type IssuedToken = { device: DeviceView; token: string };

function deviceAudit(actor: Actor, action: string, d: Device, extra: Record<string, unknown> = {}) {
  return {
    actor,
    action,
    targetType: 'device',
    targetId: d.id,
    target: d.name,
    details: { name: d.name, userId: d.userId, routerId: d.routerId, ...extra },
  };
}

/** The user's devices, newest first, with the live grants each holds. */
export async function listDevices(db: Queryable, userId: string): Promise<DeviceView[]> {
  const rows = await db
    .select({ device: devices, routerName: routers.name })
    .from(devices)
    .leftJoin(routers, eq(routers.id, devices.routerId))
    .where(eq(devices.userId, userId))
    .orderBy(asc(devices.name));
  if (rows.length === 0) return [];
  const held = await db
    .select({ grant: grants, routerName: routers.name })
    .from(grants)
    .innerJoin(routers, eq(routers.id, grants.routerId))
    .where(
      and(
        inArray(
          grants.deviceId,
          rows.map((r) => r.device.id),
        ),
        inArray(grants.status, [...LIVE_GRANT_STATUSES]),
      ),
    );
  return rows.map(({ device: d, routerName }) => ({
    id: d.id,
    name: d.name,
    routerId: d.routerId,
    routerName,
    lastAddress4: d.lastAddress4,
    lastAddress6: d.lastAddress6,
    lastUpdateAt: d.lastUpdateAt?.toISOString() ?? null,
    revokedAt: d.revokedAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    grants: held
      .filter((h) => h.grant.deviceId === d.id)
      .map(({ grant: g, routerName: rn }) => ({
        id: g.id,
        family: g.family,
        address: g.address,
        routerName: rn,
        list: g.list,
        status: g.status,
        expiresAt: g.expiresAt.toISOString(),
      })),
  }));
}

async function viewOf(db: Queryable, device: Device): Promise<DeviceView> {
  return (await listDevices(db, device.userId)).find((d) => d.id === device.id)!;
}

/** Devices a person may hold at once (revoked ones do not count). */
export const MAX_DEVICES_PER_USER = 10;

export async function createDevice(
  db: Db,
  user: Pick<User, 'id' | 'role'>,
  actor: Actor,
  input: { name: string; routerId: string | null },
): Promise<Result<IssuedToken>> {
  const effective = await effectivePolicy(db, user);
  if (!effective?.policy.allowDevices) {
    return fail('devices_not_allowed', 'Your policy does not allow devices. Ask an admin.');
  }
  const name = parseHostname(input.name, { minLabels: 1 });
  if (!name.ok) return fail('invalid_input', name.error.message, { name: name.error.message });
  if (input.routerId && !effective.targets.some((t) => t.router.id === input.routerId)) {
    return fail('invalid_input', 'Choose one of your routers.', {
      routerId: 'Your policy does not name this router.',
    });
  }
  const token = randomToken();
  try {
    const device = await db.transaction(async (tx) => {
      // Two creations at once cannot both pass the cap.
      await lockUserRow(tx, user.id);
      const [{ value: live } = { value: 0 }] = await tx
        .select({ value: count() })
        .from(devices)
        .where(and(eq(devices.userId, user.id), isNull(devices.revokedAt)));
      if (live >= MAX_DEVICES_PER_USER) return null;
      const [row] = await tx
        .insert(devices)
        .values({ userId: user.id, name: name.value, tokenHash: hashToken(token), routerId: input.routerId })
        .returning();
      await recordAudit(tx, deviceAudit(actor, 'device.create', row!));
      return row!;
    });
    if (!device) {
      const message = `At most ${MAX_DEVICES_PER_USER} devices per person; revoke one you no longer use.`;
      return fail('too_many_devices', message, { name: message });
    }
    return ok({ device: await viewOf(db, device), token });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return fail('name_taken', 'That device name is taken.', {
      name: 'That name is taken; device names are unique across Knockgate.',
    });
  }
}

async function ownDevice(db: Queryable, userId: string, deviceId: string): Promise<Device | undefined> {
  const [row] = await db
    .select()
    .from(devices)
    .where(and(eq(devices.id, deviceId), eq(devices.userId, userId)))
    .limit(1);
  return row;
}

/** A fresh token; the old one stops working at once. Grants stay as they are. */
export async function rotateDeviceToken(
  db: Db,
  user: Pick<User, 'id'>,
  actor: Actor,
  deviceId: string,
): Promise<Result<IssuedToken>> {
  const token = randomToken();
  const device = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(devices)
      .set({ tokenHash: hashToken(token), updatedAt: new Date() })
      .where(and(eq(devices.id, deviceId), eq(devices.userId, user.id), isNull(devices.revokedAt)))
      .returning();
    if (row) await recordAudit(tx, deviceAudit(actor, 'device.rotate', row));
    return row;
  });
  if (!device) return fail('not_found', 'No such device (or it was revoked).');
  return ok({ device: await viewOf(db, device), token });
}

/**
 * Revokes a device: its token stops working and the grants it holds end (each confirmed on the
 * router like any revoke; a router that is down leaves them `revoke_pending`, retried).
 */
export async function revokeDevice(
  ctx: GrantContext,
  user: Pick<User, 'id'>,
  actor: Actor,
  deviceId: string,
): Promise<Result<{ device: DeviceView; ended: GrantOutcome[] }>> {
  const current = await ownDevice(ctx.db, user.id, deviceId);
  if (!current) return fail('not_found', 'No such device.');
  const device =
    current.revokedAt !== null
      ? current
      : await ctx.db.transaction(async (tx) => {
          const now = new Date();
          const [row] = await tx
            .update(devices)
            .set({ revokedAt: now, updatedAt: now })
            .where(and(eq(devices.id, deviceId), isNull(devices.revokedAt)))
            .returning();
          if (row) await recordAudit(tx, deviceAudit(actor, 'device.revoke', row));
          return row ?? current;
        });
  const held = await ctx.db
    .select({ id: grants.id })
    .from(grants)
    .where(and(eq(grants.deviceId, deviceId), inArray(grants.status, ['pending', 'active'])));
  const ended: GrantOutcome[] = [];
  for (const g of held) ended.push(await revokeGrant(ctx, actor, g.id, 'device revoked'));
  return ok({ device: await viewOf(ctx.db, device), ended });
}

/** Removes a revoked device for good, which frees its name. */
export async function deleteDevice(
  db: Db,
  user: Pick<User, 'id'>,
  actor: Actor,
  deviceId: string,
): Promise<Result<null>> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(devices)
      .where(and(eq(devices.id, deviceId), eq(devices.userId, user.id)))
      .for('update');
    if (!row) return fail('not_found', 'No such device.');
    if (!row.revokedAt) return fail('device_active', 'Revoke the device before deleting it.');
    await tx.delete(devices).where(eq(devices.id, deviceId));
    await recordAudit(tx, deviceAudit(actor, 'device.delete', row));
    return ok(null);
  });
}

/**
 * The device a DynDNS2 client authenticates as: HTTP Basic user name = the owner's Knockgate
 * user name, password = the device token. Revoked devices and disabled owners do not
 * authenticate. The token is compared by its SHA-256 inside the database query, so no timing
 * difference reveals how much of a guess was right.
 */
export async function authenticateDevice(
  db: Queryable,
  username: string,
  token: string,
): Promise<{ device: Device; owner: User } | null> {
  if (token.length === 0 || token.length > 512 || username.length === 0 || username.length > 256) return null;
  const [row] = await db
    .select({ device: devices, owner: users })
    .from(devices)
    .innerJoin(users, eq(users.id, devices.userId))
    .where(
      and(
        eq(devices.tokenHash, hashToken(token)),
        eq(users.username, username.trim().toLowerCase()),
        isNull(devices.revokedAt),
        eq(users.disabled, false),
        // A password an admin reset is replaced before anything answers for the account, the
        // update endpoint included: its devices wait until then.
        eq(users.mustChangePassword, false),
      ),
    )
    .limit(1);
  return row ?? null;
}
