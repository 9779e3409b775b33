import fs from 'node:fs';
import path from 'node:path';
import { asc, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/lib/db/client';
import { auditEvents } from '@/lib/db/schema';
import { expireGrants, revokeGrant } from '@/lib/grants/service';
import { savePolicy } from '@/lib/policies/service';
import {
  approveRequest,
  cancelRequest,
  createRequest,
  denyRequest,
  expireRequests,
} from '@/lib/requests/service';
import { createUser } from '@/lib/users/service';
import { actorFor, makeUser } from '@/tests/factories';
import { fixtureActor, type RouterFixture, routerFixturePerFile } from '@/tests/router-fixture';

/**
 * The audit log is only ever inserted into. The database refuses UPDATE, DELETE and TRUNCATE
 * (lib/users/service.db.test.ts); here: no code path of the app even tries, and a whole working
 * session (users, policies, requests and their decisions, grants opened, revoked and expired)
 * leaves every earlier row exactly as it was and only adds rows with higher ids.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const SOURCE_DIRS = ['app', 'lib', 'components', 'cli', 'sim'];
const WRITE_PATTERNS = [
  /\.(update|delete)\(\s*auditEvents\b/,
  /\b(update|delete\s+from|truncate(\s+table)?)\s+"?audit_events"?/i,
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(full);
  }
  return out;
}

let db: DatabaseHandle;
let fx: RouterFixture;
routerFixturePerFile((d, f) => {
  db = d;
  fx = f;
});

describe('audit log is append-only', () => {
  it('no application source updates, deletes or truncates audit_events', () => {
    const files = [
      ...SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d))),
      path.join(ROOT, 'server.ts'),
    ];
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((file) => {
      const text = fs.readFileSync(file, 'utf8');
      return WRITE_PATTERNS.some((p) => p.test(text));
    });
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
    // The patterns do catch what they are meant to catch.
    expect(WRITE_PATTERNS.some((p) => p.test('await tx.update(auditEvents).set({})'))).toBe(true);
    expect(WRITE_PATTERNS.some((p) => p.test('sql`DELETE FROM audit_events WHERE id = 1`'))).toBe(true);
  });

  it('a whole working session only adds rows: earlier rows unchanged, ids only grow', async () => {
    const snapshot = async () => db.db.select().from(auditEvents).orderBy(asc(auditEvents.id));
    const admin = await makeUser(db.db, { role: 'admin' });
    const approver = await makeUser(db.db, { role: 'approver' });
    await createUser(db.db, actorFor(admin), { username: `audited-${Date.now()}`, role: 'user' });
    const before = await snapshot();

    const requester = await makeUser(db.db);
    const policy = await savePolicy(db.db, actorFor(admin), null, {
      name: `append-only-${Date.now()}`,
      subject: `user:${requester.id}`,
      defaultDuration: 600,
      maxDuration: 3600,
      knockOnSignIn: false,
      directAccess: false,
      targets: [fx.router.id],
    });
    expect(policy.ok).toBe(true);
    const quiet = { notify: () => {} };
    const ask = async (address: string, now?: Date) => {
      const r = await createRequest(
        db.db,
        requester,
        actorFor(requester, address),
        {
          target: 'any',
          address: '',
          duration: 600,
          reason: 'Checking the append-only log',
          clientAddress: { family: 4, address },
        },
        { ...quiet, now },
      );
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    const approved = await ask('203.0.113.50');
    const result = await approveRequest(fx.ctx, approver, actorFor(approver), approved.id, {}, quiet);
    if (!result.ok || result.value.state !== 'approved') throw new Error('not approved');
    const grant = result.value.grants[0];
    if (!grant?.ok) throw new Error('no grant');
    await revokeGrant(fx.ctx, actorFor(admin), grant.outcome.grant.id);
    await denyRequest(
      db.db,
      approver,
      actorFor(approver),
      (await ask('203.0.113.51')).id,
      { note: 'no' },
      quiet,
    );
    await cancelRequest(db.db, requester, actorFor(requester), (await ask('203.0.113.52')).id, quiet);
    await ask('203.0.113.53', new Date(Date.now() - 2 * 3600_000));
    await expireRequests(db.db, new Date(), quiet);
    await expireGrants({ ...fx.ctx, now: () => new Date(Date.now() + 7200_000) }, fixtureActor);

    const after = await snapshot();
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    expect(added.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'policy.create',
        'request.create',
        'request.approve',
        'grant.open',
        'grant.revoke',
        'request.deny',
        'request.cancel',
        'request.expire',
      ]),
    );
    const ids = after.map((e) => e.id);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    // And the database still refuses a change, whatever the app's code might try later.
    await expect(
      db.db.execute(sql`update audit_events set action = 'x' where id = ${ids[0]!}`),
    ).rejects.toThrow();
  });
});
