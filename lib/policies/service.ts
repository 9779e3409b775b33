import { and, asc, eq, inArray, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import type { Db, Queryable } from '../db/client';
import { type Policy, policies, policyTargets, type Router, routers, type User } from '../db/schema';
import { checkboxField } from '../forms/fields';
import { fail, ok, type Result } from '../result';
import { formatDuration, MAX_DURATION_SECONDS } from '../routeros';
import { listNameSchema } from '../routers/schema';
import { durationSchema } from './duration';

/** A router list a person may open: the family decides which of the router's lists is used. */
export type PolicyTarget = { router: Router; list: string | null };

export type EffectivePolicy = {
  policy: Policy;
  targets: PolicyTarget[];
};

export function listFor(target: PolicyTarget, family: 'ip' | 'ipv6'): string {
  return target.list ?? (family === 'ipv6' ? target.router.ipv6List : target.router.ipv4List);
}

/** The user's own policy, else their role's. Disabled routers are left out. One query. */
export async function effectivePolicy(
  db: Queryable,
  user: Pick<User, 'id' | 'role'>,
): Promise<EffectivePolicy | null> {
  const rows = await db
    .select({ policy: policies, router: routers, list: policyTargets.list })
    .from(policies)
    .leftJoin(policyTargets, eq(policyTargets.policyId, policies.id))
    .leftJoin(routers, and(eq(routers.id, policyTargets.routerId), eq(routers.enabled, true)))
    .where(or(eq(policies.subjectUserId, user.id), eq(policies.subjectRole, user.role)))
    .orderBy(asc(routers.name));
  const own = rows.filter((r) => r.policy.subjectUserId === user.id);
  const chosen = own.length > 0 ? own : rows.filter((r) => r.policy.subjectRole === user.role);
  if (chosen.length === 0) return null;
  return {
    policy: chosen[0]!.policy,
    targets: chosen.flatMap((r) => (r.router ? [{ router: r.router, list: r.list }] : [])),
  };
}

/** The duration to grant: the policy default when none is asked, never above the maximum. */
export function clampDuration(
  policy: Pick<Policy, 'defaultDurationSeconds' | 'maxDurationSeconds'>,
  asked?: number,
) {
  const wanted = asked ?? policy.defaultDurationSeconds;
  return {
    seconds: Math.min(wanted, policy.maxDurationSeconds),
    clamped: wanted > policy.maxDurationSeconds,
  };
}

export const policyFormSchema = z
  .object({
    name: z.string().trim().min(1, 'Enter a name.').max(64, 'Use at most 64 characters.'),
    subject: z
      .string()
      .regex(/^(role:(admin|approver|user)|user:[0-9a-f-]{36})$/, 'Choose a role or a user.'),
    defaultDuration: durationSchema,
    maxDuration: durationSchema,
    knockOnSignIn: checkboxField,
    directAccess: checkboxField,
    requestOtherAddresses: checkboxField,
    allowHostnames: checkboxField,
    allowDevices: checkboxField,
    hostnameSuffixes: z
      .string()
      .optional()
      .default('')
      .transform((v, ctx) => {
        const items = v
          .split(/[\s,]+/)
          .map((x) =>
            x
              .trim()
              .toLowerCase()
              .replace(/^\.+|\.+$/g, ''),
          )
          .filter(Boolean);
        for (const item of items) {
          if (
            !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(
              item,
            )
          ) {
            ctx.addIssue({
              code: 'custom',
              message: `"${item}" is not a DNS suffix (e.g. dyndns.example.net).`,
            });
          }
        }
        return items;
      }),
    requestTtl: durationSchema.optional().default(3600),
    approvalsRequired: z.coerce
      .number({ error: 'Choose 1 or 2.' })
      .int()
      .min(1, 'Choose 1 or 2.')
      .max(2, 'Choose 1 or 2.')
      .optional()
      .default(1),
    /** `routerId` or `routerId|list` entries. */
    targets: z.array(z.string()).min(1, 'Choose at least one router.'),
  })
  .superRefine((v, ctx) => {
    if (v.defaultDuration > v.maxDuration) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultDuration'],
        message: 'The default cannot exceed the maximum.',
      });
    }
  });
export type PolicyForm = z.output<typeof policyFormSchema>;
/** What savePolicy needs; the request and host-name settings default to off / 1 h / 1 approval. */
export type PolicySettings = Pick<
  PolicyForm,
  'name' | 'subject' | 'defaultDuration' | 'maxDuration' | 'knockOnSignIn' | 'directAccess' | 'targets'
> &
  Partial<
    Pick<
      PolicyForm,
      | 'requestOtherAddresses'
      | 'allowHostnames'
      | 'allowDevices'
      | 'hostnameSuffixes'
      | 'requestTtl'
      | 'approvalsRequired'
    >
  >;

function parseTargets(values: string[]): Result<{ routerId: string; list: string | null }[]> {
  const out: { routerId: string; list: string | null }[] = [];
  for (const value of values) {
    const [routerId = '', list] = value.split('|');
    if (!/^[0-9a-f-]{36}$/.test(routerId))
      return fail('invalid_input', 'Unknown router.', { targets: 'Unknown router.' });
    if (list !== undefined && list !== '') {
      const parsed = listNameSchema.safeParse(list);
      if (!parsed.success)
        return fail('invalid_input', 'Bad list name.', { targets: parsed.error.issues[0]!.message });
    }
    // The same target twice would open two grants for one router entry at every sign-in.
    if (!out.some((t) => t.routerId === routerId && t.list === (list || null))) {
      out.push({ routerId, list: list || null });
    }
  }
  return ok(out);
}

export async function listPolicies(db: Queryable) {
  const rows = await db.select().from(policies).orderBy(asc(policies.name));
  const targets = await db
    .select({
      policyId: policyTargets.policyId,
      routerId: policyTargets.routerId,
      list: policyTargets.list,
      routerName: routers.name,
    })
    .from(policyTargets)
    .innerJoin(routers, eq(routers.id, policyTargets.routerId));
  return rows.map((p) => ({ ...p, targets: targets.filter((t) => t.policyId === p.id) }));
}

export async function savePolicy(
  db: Db,
  actor: Actor,
  id: string | null,
  input: PolicySettings,
): Promise<Result<Policy>> {
  const targets = parseTargets(input.targets);
  if (!targets.ok) return targets;
  const [kind, value] = input.subject.split(':') as ['role' | 'user', string];
  return db.transaction(async (tx) => {
    const known = await tx
      .select({ id: routers.id })
      .from(routers)
      .where(
        inArray(
          routers.id,
          targets.value.map((t) => t.routerId),
        ),
      );
    if (known.length !== new Set(targets.value.map((t) => t.routerId)).size) {
      return fail('invalid_input', 'Unknown router.', { targets: 'Unknown router.' });
    }
    const clash = await tx
      .select({ id: policies.id })
      .from(policies)
      .where(
        kind === 'role' ? eq(policies.subjectRole, value as User['role']) : eq(policies.subjectUserId, value),
      );
    if (clash.some((c) => c.id !== id)) {
      return fail('subject_taken', 'That role or user already has a policy.', {
        subject: 'Already has a policy; edit that one.',
      });
    }
    const values = {
      name: input.name,
      subjectType: kind,
      subjectRole: kind === 'role' ? (value as User['role']) : null,
      subjectUserId: kind === 'user' ? value : null,
      defaultDurationSeconds: input.defaultDuration,
      maxDurationSeconds: input.maxDuration,
      knockOnSignIn: input.knockOnSignIn,
      directAccess: input.directAccess,
      requestOtherAddresses: input.requestOtherAddresses ?? false,
      allowHostnames: input.allowHostnames ?? false,
      allowDevices: input.allowDevices ?? false,
      hostnameSuffixes: input.hostnameSuffixes ?? [],
      requestTtlSeconds: input.requestTtl ?? 3600,
      approvalsRequired: input.approvalsRequired ?? 1,
      updatedAt: new Date(),
    };
    let policy: Policy;
    let before: Policy | undefined;
    if (id) {
      before = (await tx.select().from(policies).where(eq(policies.id, id)))[0];
      if (!before) return fail('not_found', 'No such policy.');
      policy = (await tx.update(policies).set(values).where(eq(policies.id, id)).returning())[0]!;
      await tx.delete(policyTargets).where(eq(policyTargets.policyId, id));
    } else {
      const nameTaken = await tx
        .select({ id: policies.id })
        .from(policies)
        .where(eq(policies.name, input.name));
      if (nameTaken.length > 0)
        return fail('name_taken', 'That name is taken.', { name: 'That name is taken.' });
      policy = (await tx.insert(policies).values(values).returning())[0]!;
    }
    await tx.insert(policyTargets).values(targets.value.map((t) => ({ policyId: policy.id, ...t })));
    await recordAudit(tx, {
      actor,
      action: id ? 'policy.update' : 'policy.create',
      targetType: 'policy',
      targetId: policy.id,
      target: policy.name,
      details: {
        before: before ? summarize(before) : null,
        after: summarize(policy),
        targets: targets.value,
      },
    });
    return ok(policy);
  });
}

function summarize(p: Policy) {
  return {
    subject: p.subjectType === 'role' ? `role:${p.subjectRole}` : `user:${p.subjectUserId}`,
    defaultDuration: formatDuration(p.defaultDurationSeconds),
    maxDuration: formatDuration(p.maxDurationSeconds),
    knockOnSignIn: p.knockOnSignIn,
    directAccess: p.directAccess,
    requestOtherAddresses: p.requestOtherAddresses,
    allowHostnames: p.allowHostnames,
    hostnameSuffixes: p.hostnameSuffixes,
    allowDevices: p.allowDevices,
    requestTtl: formatDuration(p.requestTtlSeconds),
    approvalsRequired: p.approvalsRequired,
  };
}

export async function deletePolicy(db: Db, actor: Actor, id: string): Promise<Result<null>> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(policies).where(eq(policies.id, id));
    if (!before) return fail('not_found', 'No such policy.');
    await tx.delete(policies).where(eq(policies.id, id));
    await recordAudit(tx, {
      actor,
      action: 'policy.delete',
      targetType: 'policy',
      targetId: id,
      target: before.name,
      details: { before: summarize(before) },
    });
    return ok(null);
  });
}

export { MAX_DURATION_SECONDS };
