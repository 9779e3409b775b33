import { eq } from 'drizzle-orm';
import { systemActor } from '../audit/actor';
import type { Db } from '../db/client';
import { policies, routers } from '../db/schema';
import { savePolicy } from '../policies/service';
import { createRouter, updateRouter } from '../routers/service';

export const DEMO_ROUTER_NAME = 'demo-router';

/**
 * The demo's router is the simulator started in-process. Its record is created on first run and
 * its port kept current (tests start it on a free port); with no policies yet, every role gets
 * one that opens the demo router's list for 8 hours at sign-in.
 */
export async function ensureDemoSetup(db: Db, sim: { apiPort: number }): Promise<{ routerId: string }> {
  const [existing] = await db.select().from(routers).where(eq(routers.name, DEMO_ROUTER_NAME));
  let routerId: string;
  const form = {
    name: DEMO_ROUTER_NAME,
    host: '127.0.0.1',
    port: sim.apiPort,
    tls: false,
    fingerprint: null,
    username: 'admin',
    password: '',
    ipv4List: 'knockgate',
    ipv6List: 'knockgate',
    enabled: true,
  };
  if (!existing) {
    const created = await createRouter(db, systemActor, form);
    if (!created.ok) throw new Error(`demo router: ${created.error.message}`);
    routerId = created.value.id;
  } else {
    routerId = existing.id;
    if (existing.port !== sim.apiPort || existing.host !== '127.0.0.1') {
      // The simulator moved (another port): its password is the empty one, set again.
      const updated = await updateRouter(db, systemActor, existing.id, { ...form, keepPassword: false });
      if (!updated.ok) throw new Error(`demo router: ${updated.error.message}`);
    }
  }
  const any = await db.select({ id: policies.id }).from(policies).limit(1);
  if (any.length === 0) {
    for (const [role, name] of [
      ['user', 'Users'],
      ['approver', 'Approvers'],
      ['admin', 'Admins'],
    ] as const) {
      const saved = await savePolicy(db, systemActor, null, {
        name,
        subject: `role:${role}`,
        defaultDuration: 8 * 3600,
        maxDuration: 24 * 3600,
        knockOnSignIn: true,
        directAccess: true,
        targets: [routerId],
      });
      if (!saved.ok) throw new Error(`demo policy: ${saved.error.message}`);
    }
  }
  return { routerId };
}
