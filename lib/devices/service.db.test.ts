import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '@/lib/crypto/tokens';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents, devices } from '@/lib/db/schema';
import { savePolicy } from '@/lib/policies/service';
import { createRouter } from '@/lib/routers/service';
import { openTestDatabase } from '@/tests/db';
import { actorFor, makeUser } from '@/tests/factories';
import { fixtureActor, testBox } from '@/tests/router-fixture';
import {
  authenticateDevice,
  createDevice,
  deleteDevice,
  listDevices,
  MAX_DEVICES_PER_USER,
  revokeDevice,
  rotateDeviceToken,
} from './service';

let db: DatabaseHandle;
let routerId: string;
let otherRouterId: string;

beforeAll(async () => {
  db = await openTestDatabase();
  const make = async (name: string) => {
    const r = await createRouter(
      db.db,
      fixtureActor,
      {
        name,
        host: '127.0.0.1',
        port: 8728,
        tls: false,
        fingerprint: null,
        username: 'u',
        password: '',
        ipv4List: 'kg',
        ipv6List: 'kg6',
        enabled: true,
      },
      testBox,
    );
    if (!r.ok) throw new Error(r.error.message);
    return r.value.id;
  };
  routerId = await make('dev-router');
  otherRouterId = await make('dev-other');
});
afterAll(async () => {
  await db.close();
});

async function owner(allowDevices = true) {
  const user = await makeUser(db.db);
  const saved = await savePolicy(db.db, fixtureActor, null, {
    name: `devices-${user.id}`,
    subject: `user:${user.id}`,
    defaultDuration: 600,
    maxDuration: 3600,
    knockOnSignIn: false,
    directAccess: true,
    allowDevices,
    targets: [routerId],
  });
  if (!saved.ok) throw new Error(saved.error.message);
  return user;
}

describe('devices', () => {
  it('create: the token is returned once and stored only as its hash; the name is canonical', async () => {
    const user = await owner();
    const created = await createDevice(db.db, user, actorFor(user), { name: ' NAS.Home.Example ', routerId });
    if (!created.ok) throw new Error(created.error.message);
    const { device, token } = created.value;
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(device).toMatchObject({ name: 'nas.home.example', routerName: 'dev-router', revokedAt: null });
    expect(JSON.stringify(device)).not.toContain(token);
    const [row] = await db.db.select().from(devices).where(eq(devices.id, device.id));
    expect(row!.tokenHash).toBe(hashToken(token));
    const audit = await db.db.select().from(auditEvents).where(eq(auditEvents.targetId, device.id));
    expect(audit.map((a) => a.action)).toEqual(['device.create']);
    expect(JSON.stringify(audit)).not.toContain(token);
    expect((await authenticateDevice(db.db, user.username.toUpperCase(), token))?.device.id).toBe(device.id);
    expect(await authenticateDevice(db.db, user.username, `${token}x`)).toBeNull();
  });

  it('refuses: a policy without devices, a bad or taken name, a router the policy does not name', async () => {
    const off = await owner(false);
    expect(
      await createDevice(db.db, off, actorFor(off), { name: 'a.example', routerId: null }),
    ).toMatchObject({
      ok: false,
      error: { code: 'devices_not_allowed' },
    });
    const user = await owner();
    for (const name of ['', 'a b', '*.x.example', '192.0.2.1', 'x'.repeat(300)]) {
      const r = await createDevice(db.db, user, actorFor(user), { name, routerId: null });
      expect(r.ok, name).toBe(false);
      if (!r.ok) expect(r.error.fields?.name).toBeTruthy();
    }
    expect(
      (await createDevice(db.db, user, actorFor(user), { name: 'taken.example', routerId: null })).ok,
    ).toBe(true);
    const other = await owner();
    expect(
      await createDevice(db.db, other, actorFor(other), { name: 'TAKEN.example', routerId: null }),
    ).toMatchObject({ ok: false, error: { code: 'name_taken', fields: { name: expect.any(String) } } });
    expect(
      await createDevice(db.db, user, actorFor(user), { name: 'r.example', routerId: otherRouterId }),
    ).toMatchObject({ ok: false, error: { fields: { routerId: expect.any(String) } } });
    expect((await listDevices(db.db, user.id)).map((d) => d.name)).toEqual(['taken.example']);
  });

  it(`at most ${MAX_DEVICES_PER_USER} live devices per person, also when created at once; a revoked one frees a place`, async () => {
    const user = await owner();
    const results = await Promise.all(
      Array.from({ length: MAX_DEVICES_PER_USER + 3 }, (_, i) =>
        createDevice(db.db, user, actorFor(user), {
          name: `cap${i}.${user.id.slice(0, 8)}.example`,
          routerId: null,
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(MAX_DEVICES_PER_USER);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(3);
    for (const r of refused) expect(r).toMatchObject({ ok: false, error: { code: 'too_many_devices' } });
    expect(await listDevices(db.db, user.id)).toHaveLength(MAX_DEVICES_PER_USER);
    const first = results.find((r) => r.ok);
    if (!first?.ok) throw new Error('no device');
    // The device holds no grants, so no router is asked.
    const noRouter = { db: db.db, clientFor: () => Promise.reject(new Error('no router in this test')) };
    const revoked = await revokeDevice(noRouter, user, actorFor(user), first.value.device.id);
    expect(revoked.ok).toBe(true);
    const more = await createDevice(db.db, user, actorFor(user), {
      name: `extra.${user.id.slice(0, 8)}.example`,
      routerId: null,
    });
    expect(more.ok).toBe(true);
  });

  it("another user's device cannot be rotated or deleted; a live device cannot be deleted", async () => {
    const user = await owner();
    const stranger = await owner();
    const created = await createDevice(db.db, user, actorFor(user), { name: 'mine.example', routerId: null });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.device.id;
    expect(await rotateDeviceToken(db.db, stranger, actorFor(stranger), id)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await deleteDevice(db.db, stranger, actorFor(stranger), id)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await deleteDevice(db.db, user, actorFor(user), id)).toMatchObject({
      ok: false,
      error: { code: 'device_active' },
    });
    expect((await authenticateDevice(db.db, user.username, created.value.token))?.device.id).toBe(id);
  });
});
