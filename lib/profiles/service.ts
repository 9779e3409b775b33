/**
 * Knock profiles as the app uses them: stored in `knock_profiles` (the validated definition as
 * jsonb, the rotation secret sealed), deployed to routers through lib/profiles/apply.ts with the
 * outcome in `profile_deployments`, every change audited in the same transaction as its row.
 *
 * The profile id that ends up in the router tags (`knockgate-profile:<id>:<n>`) is the row's uuid,
 * so renaming a profile never orphans its rules.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { secretBox } from '../crypto';
import type { SecretBox } from '../crypto/secret-box';
import type { Db, Queryable } from '../db/client';
import { type KnockProfile, knockProfiles, profileDeployments, type Router, routers } from '../db/schema';
import { errorText } from '../observability/error-text';
import { type ErrorValue, fail, ok, type Result } from '../result';
import type { RouterClient } from '../routeros';
import { clientForRouter, findRouter } from '../routers/service';
import { type ApplyResult, applyRules, dryRunRemove, dryRunRules, type RunGuard, removeRules } from './apply';
import { type ClientCommands, clientCommands } from './commands';
import { generateRules } from './generate';
import {
  durationMs,
  type ProfileErrorCode,
  type ProfileIssue,
  type ProfileWarningCode,
  type ValidProfile,
  validateProfile,
} from './model';
import type { PlanSummary } from './plan';
import { rotatedProfile, rotationWindow } from './rotation';
import { exportProfileRsc } from './rsc';
import type { Rule } from './rule';

export type ServiceOptions = {
  box?: SecretBox;
  /** Time of the rotation window to use (rotating profiles). */
  now?: Date;
  /** The router's API client; the pooled client by default. */
  clientFor?: (router: Router) => RouterClient;
};

export type ProfileError = ErrorValue & { issues?: ProfileIssue<ProfileErrorCode>[] };

export type ProfileRecord = {
  id: string;
  name: string;
  /** The stored definition; `profile` is null when it no longer validates (shown, not applied). */
  definition: Record<string, unknown>;
  profile: ValidProfile | null;
  warnings: ProfileIssue<ProfileWarningCode>[];
  rotating: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export type DeploymentStatus = 'applied' | 'failed' | 'removed';

export type DeploymentRecord = {
  routerId: string;
  routerName: string;
  status: DeploymentStatus;
  rulesHash: string | null;
  rotationWindow: number | null;
  lastError: string | null;
  appliedAt: Date | null;
  appliedBy: string | null;
  /** Applied and the router carries what the profile generates now (not changed since). */
  current: boolean;
};

export type ProfileWithDeployments = ProfileRecord & { deployments: DeploymentRecord[] };

const box = (options: ServiceOptions) => options.box ?? secretBox();

function toRecord(row: KnockProfile): ProfileRecord {
  const checked = validateProfile({ ...row.definition, id: row.id, name: row.name });
  return {
    id: row.id,
    name: row.name,
    definition: row.definition,
    profile: checked.ok ? checked.profile : null,
    warnings: checked.warnings,
    rotating: checked.ok ? checked.profile.rotation !== undefined : false,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Stable digest of a rule list, stored per deployment to spot a changed profile. */
export function rulesHash(rules: readonly Rule[]): string {
  return createHash('sha256').update(JSON.stringify(rules)).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Rules of a profile at a time (rotation applied)

type Desired = { profile: ValidProfile; rules: Rule[]; window: number | null; windowEndsAt: Date | null };

function rotationSecret(row: KnockProfile, options: ServiceOptions): string | null {
  return row.rotationSecretEnc === null ? null : box(options).open(row.rotationSecretEnc, 'profile-secret');
}

function desiredAt(row: KnockProfile, atMs: number, options: ServiceOptions): Result<Desired, ProfileError> {
  const record = toRecord(row);
  if (!record.profile) {
    return fail('invalid_profile', 'The stored profile no longer passes validation; edit and save it first.');
  }
  const profile = record.profile;
  if (!profile.rotation) {
    return ok({ profile, rules: generateRules(profile), window: null, windowEndsAt: null });
  }
  let secret: string | null;
  try {
    secret = rotationSecret(row, options);
  } catch {
    // Sealed under another KNOCKGATE_SECRET: a clear error instead of a crashed page.
    return fail(
      'rotation_secret_unreadable',
      'The rotation secret cannot be opened with this KNOCKGATE_SECRET; turn rotation off and on again to make a new one.',
    );
  }
  if (secret === null)
    return fail('rotation_secret_missing', 'This rotating profile has no secret; save it again.');
  const rotated = rotatedProfile(profile, secret, atMs);
  if (!rotated.ok) return fail(rotated.error.code, rotated.error.message);
  return ok({
    profile: rotated.value.profile,
    rules: generateRules(rotated.value.profile),
    window: rotated.value.window.counter,
    windowEndsAt: new Date(rotated.value.window.endsAtMs),
  });
}

function periodMsOf(row: KnockProfile): number | null {
  const period = toRecord(row).profile?.rotation?.period;
  return period === undefined ? null : durationMs(period);
}

// ---------------------------------------------------------------------------------------------
// Reading

async function deploymentsOf(
  db: Queryable,
  rows: readonly KnockProfile[],
  options: ServiceOptions,
): Promise<Map<string, DeploymentRecord[]>> {
  const out = new Map<string, DeploymentRecord[]>(rows.map((r) => [r.id, []]));
  if (rows.length === 0) return out;
  const found = await db
    .select({ deployment: profileDeployments, routerName: routers.name })
    .from(profileDeployments)
    .innerJoin(routers, eq(routers.id, profileDeployments.routerId))
    .where(
      inArray(
        profileDeployments.profileId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(routers.name));
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const { deployment: d, routerName } of found) {
    const row = byId.get(d.profileId)!;
    let current = false;
    if (d.status === 'applied') {
      const period = periodMsOf(row);
      const at = period !== null && d.rotationWindow !== null ? d.rotationWindow * period : Date.now();
      const expected = desiredAt(row, at, options);
      current = expected.ok && rulesHash(expected.value.rules) === d.rulesHash;
    }
    out.get(d.profileId)!.push({
      routerId: d.routerId,
      routerName,
      status: d.status as DeploymentStatus,
      rulesHash: d.rulesHash,
      rotationWindow: d.rotationWindow,
      lastError: d.lastError,
      appliedAt: d.appliedAt,
      appliedBy: d.appliedBy,
      current,
    });
  }
  return out;
}

export async function listProfiles(
  db: Queryable,
  options: ServiceOptions = {},
): Promise<ProfileWithDeployments[]> {
  const rows = await db.select().from(knockProfiles).orderBy(asc(knockProfiles.name));
  const deployments = await deploymentsOf(db, rows, options);
  return rows.map((row) => ({ ...toRecord(row), deployments: deployments.get(row.id) ?? [] }));
}

async function findRow(db: Queryable, id: string): Promise<KnockProfile | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return (await db.select().from(knockProfiles).where(eq(knockProfiles.id, id)).limit(1))[0];
}

export async function getProfile(
  db: Queryable,
  id: string,
  options: ServiceOptions = {},
): Promise<Result<ProfileWithDeployments, ProfileError>> {
  const row = await findRow(db, id);
  if (!row) return fail('not_found', 'No such knock profile.');
  const deployments = await deploymentsOf(db, [row], options);
  return ok({ ...toRecord(row), deployments: deployments.get(row.id) ?? [] });
}

// ---------------------------------------------------------------------------------------------
// Create, update, delete

function issuesFailure(issues: ProfileIssue<ProfileErrorCode>[]) {
  const fields: Record<string, string> = {};
  for (const issue of issues) fields[issue.path.join('.') || 'form'] ??= issue.message;
  return {
    ok: false as const,
    error: { code: 'invalid_profile', message: 'Check the highlighted fields.', fields, issues },
  };
}

async function checkUnique(
  db: Queryable,
  profile: ValidProfile,
  selfId: string | null,
): Promise<Result<null, ProfileError>> {
  const all = await db
    .select({ id: knockProfiles.id, name: knockProfiles.name, definition: knockProfiles.definition })
    .from(knockProfiles);
  for (const other of all) {
    if (other.id === selfId) continue;
    if (other.name.toLowerCase() === profile.name.toLowerCase()) {
      return fail('name_taken', 'A knock profile with that name exists.', { name: 'That name is taken.' });
    }
    // Stage lists and layer7 names derive from the prefix: two profiles sharing it would let one
    // profile's stage satisfy the other's next step on a router that carries both.
    if (other.definition.stageListPrefix === profile.stageListPrefix) {
      return fail('stage_prefix_taken', `Profile "${other.name}" already uses that stage-list prefix.`, {
        stageListPrefix: 'Another profile uses this prefix.',
      });
    }
  }
  return ok(null);
}

/** What is stored: the validated profile with defaults filled in, minus the id (the row's). */
function definitionOf(profile: ValidProfile): Record<string, unknown> {
  const { id: _id, ...rest } = profile;
  return rest;
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export async function createProfile(
  db: Db,
  actor: Actor,
  input: unknown,
  options: ServiceOptions = {},
): Promise<Result<ProfileRecord, ProfileError>> {
  const id = randomUUID();
  const checked = validateProfile({ ...(isObject(input) ? input : {}), id });
  if (!checked.ok) return issuesFailure(checked.errors);
  const profile = checked.profile;
  return db.transaction(async (tx) => {
    const unique = await checkUnique(tx, profile, null);
    if (!unique.ok) return unique;
    const [row] = await tx
      .insert(knockProfiles)
      .values({
        id,
        name: profile.name,
        definition: definitionOf(profile),
        rotationSecretEnc: profile.rotation ? box(options).seal(newSecret(), 'profile-secret') : null,
      })
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'profile.create',
      targetType: 'knock_profile',
      targetId: id,
      target: profile.name,
      details: { definition: definitionOf(profile), warnings: checked.warnings.map((w) => w.code) },
    });
    return ok(toRecord(row!));
  });
}

export async function updateProfile(
  db: Db,
  actor: Actor,
  id: string,
  input: unknown,
  options: ServiceOptions = {},
): Promise<Result<ProfileRecord, ProfileError>> {
  const before = await findRow(db, id);
  if (!before) return fail('not_found', 'No such knock profile.');
  const checked = validateProfile({ ...(isObject(input) ? input : {}), id });
  if (!checked.ok) return issuesFailure(checked.errors);
  const profile = checked.profile;
  return db.transaction(async (tx) => {
    const unique = await checkUnique(tx, profile, id);
    if (!unique.ok) return unique;
    // Keep the secret while the profile keeps rotating: users' current sequences stay valid.
    const secret = profile.rotation
      ? (before.rotationSecretEnc ?? box(options).seal(newSecret(), 'profile-secret'))
      : null;
    const [row] = await tx
      .update(knockProfiles)
      .set({
        name: profile.name,
        definition: definitionOf(profile),
        rotationSecretEnc: secret,
        updatedAt: new Date(),
      })
      .where(eq(knockProfiles.id, id))
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'profile.update',
      targetType: 'knock_profile',
      targetId: id,
      target: profile.name,
      details: {
        before: before.definition,
        after: definitionOf(profile),
        warnings: checked.warnings.map((w) => w.code),
      },
    });
    return ok(toRecord(row!));
  });
}

/** Refused while rules may still be on a router: remove them first, or they could not be found again from the UI. */
export async function deleteProfile(db: Db, actor: Actor, id: string): Promise<Result<null, ProfileError>> {
  return db.transaction(async (tx) => {
    const row = await findRow(tx, id);
    if (!row) return fail('not_found', 'No such knock profile.');
    const live = await tx
      .select({ routerName: routers.name })
      .from(profileDeployments)
      .innerJoin(routers, eq(routers.id, profileDeployments.routerId))
      .where(
        and(eq(profileDeployments.profileId, id), inArray(profileDeployments.status, ['applied', 'failed'])),
      );
    if (live.length > 0) {
      return fail(
        'profile_deployed',
        `Remove the profile from ${live.map((l) => l.routerName).join(', ')} before deleting it.`,
      );
    }
    await tx.delete(knockProfiles).where(eq(knockProfiles.id, id));
    await recordAudit(tx, {
      actor,
      action: 'profile.delete',
      targetType: 'knock_profile',
      targetId: id,
      target: row.name,
      details: { definition: row.definition },
    });
    return ok(null);
  });
}

// ---------------------------------------------------------------------------------------------
// Router side: dry run, apply, remove

type Target = { row: KnockProfile; router: Router; client: RouterClient };

async function target(
  db: Queryable,
  profileId: string,
  routerId: string,
  options: ServiceOptions,
): Promise<Result<Target, ProfileError>> {
  const row = await findRow(db, profileId);
  if (!row) return fail('not_found', 'No such knock profile.');
  const router = /^[0-9a-f-]{36}$/i.test(routerId) ? await findRouter(db, routerId) : undefined;
  if (!router) return fail('router_not_found', 'No such router.');
  if (!router.enabled) return fail('router_disabled', `Router ${router.name} is disabled in Knockgate.`);
  const client = (options.clientFor ?? ((r: Router) => clientForRouter(r, box(options))))(router);
  return ok({ row, router, client });
}

export type RouterChange = {
  routerId: string;
  routerName: string;
  summary: PlanSummary;
  diff: string;
  executed: number;
  /** Rotating profiles: the window whose ports the rules carry, and when it ends. */
  window: number | null;
  windowEndsAt: Date | null;
};

function applyFailure(result: Extract<ApplyResult, { ok: false }>): { ok: false; error: ProfileError } {
  const e = result.error;
  const code = e.code === 'router_error' ? (e.routerCode ?? 'router_error') : e.code;
  const progress = e.total > 0 ? ` (${e.executed} of ${e.total} changes made; apply again to finish)` : '';
  return { ok: false, error: { code, message: `${e.message}${progress}` } };
}

/** The diff applying the profile would make on the router; nothing is changed. */
export async function dryRunProfile(
  db: Queryable,
  profileId: string,
  routerId: string,
  options: ServiceOptions = {},
): Promise<Result<RouterChange, ProfileError>> {
  const t = await target(db, profileId, routerId, options);
  if (!t.ok) return t;
  const desired = desiredAt(t.value.row, (options.now ?? new Date()).getTime(), options);
  if (!desired.ok) return desired;
  const result = await dryRunRules(t.value.client, t.value.row.id, desired.value.rules);
  if (!result.ok) return applyFailure(result);
  return ok(change(t.value.router, result.value, desired.value));
}

function change(
  router: Router,
  value: { summary: PlanSummary; diff: string; executed: number },
  desired: Desired | null,
): RouterChange {
  return {
    routerId: router.id,
    routerName: router.name,
    summary: value.summary,
    diff: value.diff,
    executed: value.executed,
    window: desired?.window ?? null,
    windowEndsAt: desired?.windowEndsAt ?? null,
  };
}

async function recordDeployment(
  db: Db,
  actor: Actor,
  t: Target,
  outcome: {
    action: string;
    status: DeploymentStatus;
    hash: string | null;
    window: number | null | undefined;
    error: string | null;
    details: Record<string, unknown>;
    /**
     * A failed remove clears the rotation window: the profile is on its way off the router, so
     * the rotation must not put it back; only the admin retries (remove, or apply).
     */
    clearWindow?: boolean;
    /** false: the deployment only notes the error (a failed rotation failing again). */
    audit?: boolean;
  },
): Promise<void> {
  const now = new Date();
  const success = outcome.error === null;
  await db.transaction(async (tx) => {
    const values = {
      status: outcome.status,
      lastError: outcome.error,
      updatedAt: now,
      // A failed run keeps what was last applied: the hash and window describe the router's rules.
      ...(success ? { rulesHash: outcome.hash, appliedAt: now, appliedBy: actor.label } : {}),
      ...(success && outcome.window !== undefined ? { rotationWindow: outcome.window } : {}),
      ...(outcome.clearWindow ? { rotationWindow: null } : {}),
    };
    await tx
      .insert(profileDeployments)
      .values({ profileId: t.row.id, routerId: t.router.id, ...values })
      .onConflictDoUpdate({
        target: [profileDeployments.profileId, profileDeployments.routerId],
        set: values,
      });
    if (outcome.audit === false) return;
    await recordAudit(tx, {
      actor,
      action: outcome.action,
      targetType: 'knock_profile',
      targetId: t.row.id,
      target: t.row.name,
      details: {
        routerId: t.router.id,
        router: t.router.name,
        ...outcome.details,
        ...(outcome.error ? { error: outcome.error } : {}),
      },
    });
  });
}

async function applyTarget(
  db: Db,
  actor: Actor,
  t: Target,
  atMs: number,
  options: ServiceOptions,
  action: 'profile.apply' | 'profile.rotate',
  run: { guard?: RunGuard; auditFailure?: boolean } = {},
): Promise<Result<RouterChange, ProfileError>> {
  const desired = desiredAt(t.row, atMs, options);
  if (!desired.ok) return desired;
  // The deployment is recorded under the router's lock, before the next run may look at it.
  const record = async (result: ApplyResult) => {
    if (!result.ok) {
      const failure = applyFailure(result);
      await recordDeployment(db, actor, t, {
        audit: run.auditFailure ?? true,
        action: `${action}_failed`,
        // Even "0 changes made" is no proof: a connection lost after a command ran hides that it
        // ran. 'failed' keeps the profile undeletable until a remove has succeeded.
        status: 'failed',
        hash: null,
        window: undefined,
        error: failure.error.message,
        details: { code: failure.error.code, executed: result.error.executed, total: result.error.total },
      });
      return;
    }
    await recordDeployment(db, actor, t, {
      action,
      status: 'applied',
      hash: rulesHash(desired.value.rules),
      window: desired.value.window,
      error: null,
      details: { summary: result.value.summary, window: desired.value.window },
    });
  };
  const result = await applyRules(t.client, t.row.id, desired.value.rules, { guard: run.guard, record });
  if (!result.ok && result.error.code === 'not_wanted') return fail('not_wanted', result.error.message);
  if (!result.ok) return applyFailure(result);
  return ok(change(t.router, result.value, desired.value));
}

/** Applies the profile to the router (idempotent), verifies it, and records the deployment. */
export async function applyProfile(
  db: Db,
  actor: Actor,
  profileId: string,
  routerId: string,
  options: ServiceOptions = {},
): Promise<Result<RouterChange, ProfileError>> {
  const t = await target(db, profileId, routerId, options);
  if (!t.ok) return t;
  return applyTarget(db, actor, t.value, (options.now ?? new Date()).getTime(), options, 'profile.apply');
}

/** What removing the profile from the router would take out. */
export async function dryRunRemoveProfile(
  db: Queryable,
  profileId: string,
  routerId: string,
  options: ServiceOptions = {},
): Promise<Result<RouterChange, ProfileError>> {
  const t = await target(db, profileId, routerId, options);
  if (!t.ok) return t;
  const result = await dryRunRemove(t.value.client, t.value.row.id);
  if (!result.ok) return applyFailure(result);
  return ok(change(t.value.router, result.value, null));
}

/** Takes exactly this profile's rules off the router and records it. */
export async function removeProfile(
  db: Db,
  actor: Actor,
  profileId: string,
  routerId: string,
  options: ServiceOptions = {},
): Promise<Result<RouterChange, ProfileError>> {
  const t = await target(db, profileId, routerId, options);
  if (!t.ok) return t;
  // Recorded under the router's lock: a rotation queued behind this remove sees it.
  const record = async (result: ApplyResult) => {
    if (!result.ok) {
      const failure = applyFailure(result);
      await recordDeployment(db, actor, t.value, {
        action: 'profile.remove_failed',
        status: 'failed',
        hash: null,
        window: undefined,
        clearWindow: true,
        error: failure.error.message,
        details: { code: failure.error.code, executed: result.error.executed, total: result.error.total },
      });
      return;
    }
    await recordDeployment(db, actor, t.value, {
      action: 'profile.remove',
      status: 'removed',
      hash: null,
      window: null,
      error: null,
      details: { summary: result.value.summary },
    });
  };
  const result = await removeRules(t.value.client, t.value.row.id, { record });
  if (!result.ok) return applyFailure(result);
  return ok(change(t.value.router, result.value, null));
}

// ---------------------------------------------------------------------------------------------
// For the background worker and other areas

export type RotationOutcome = {
  profileId: string;
  profileName: string;
  routerId: string;
  routerName: string;
  window: number | null;
  outcome: 'rotated' | 'failed';
  error?: { code: string; message: string };
};

/**
 * For the reconciler, once per cycle: every deployment of a rotating profile whose router does not
 * carry the current window's ports gets them (apply is idempotent, so a missed or failed window is
 * simply caught up). Deployments already on the current window cost one database read, no router
 * round trip. Never throws for one router's failure; each outcome is reported and audited.
 */
export async function applyRotation(
  db: Db,
  now: Date = new Date(),
  options: ServiceOptions & { actor?: Actor } = {},
): Promise<RotationOutcome[]> {
  const actor = options.actor ?? { userId: null, label: 'system', clientAddress: null };
  const rows = await db
    .select({ deployment: profileDeployments, profile: knockProfiles, router: routers })
    .from(profileDeployments)
    .innerJoin(knockProfiles, eq(knockProfiles.id, profileDeployments.profileId))
    .innerJoin(routers, eq(routers.id, profileDeployments.routerId))
    .where(inArray(profileDeployments.status, ['applied', 'failed']));
  const outcomes: RotationOutcome[] = [];
  for (const { deployment, profile, router } of rows) {
    if (profile.rotationSecretEnc === null || !router.enabled) continue;
    // A first apply that failed is the admin's to retry; a failed rotation is ours.
    if (deployment.status === 'failed' && deployment.rotationWindow === null) continue;
    const period = periodMsOf(profile);
    if (period === null) continue;
    const window = rotationWindow(now.getTime(), period);
    if (!window.ok) continue;
    if (deployment.status === 'applied' && deployment.rotationWindow === window.value.counter) continue;
    const base = {
      profileId: profile.id,
      profileName: profile.name,
      routerId: router.id,
      routerName: router.name,
    };
    // Read again under the router's lock: a remove, delete, edit or rotation (here or on another
    // instance) since the read above must not be undone with this stale row.
    const guard: RunGuard = async () => {
      const [fresh] = await db
        .select({ deployment: profileDeployments, profile: knockProfiles })
        .from(profileDeployments)
        .innerJoin(knockProfiles, eq(knockProfiles.id, profileDeployments.profileId))
        .where(eq(profileDeployments.id, deployment.id));
      if (!fresh) return 'deployment-gone';
      if (!['applied', 'failed'].includes(fresh.deployment.status))
        return `deployment-${fresh.deployment.status}`;
      if (fresh.deployment.status === 'failed' && fresh.deployment.rotationWindow === null) {
        return 'waits-for-admin';
      }
      if (fresh.deployment.status === 'applied' && fresh.deployment.rotationWindow === window.value.counter) {
        return 'window-current';
      }
      if (fresh.profile.updatedAt.getTime() !== profile.updatedAt.getTime()) return 'profile-changed';
      return null;
    };
    let result: Result<RouterChange, ProfileError>;
    try {
      const client = (options.clientFor ?? ((r: Router) => clientForRouter(r, box(options))))(router);
      result = await applyTarget(
        db,
        actor,
        { row: profile, router, client },
        now.getTime(),
        options,
        'profile.rotate',
        // A rotation that keeps failing (router down) is audited once, not every cycle.
        { guard, auditFailure: deployment.status !== 'failed' },
      );
    } catch (error) {
      result = fail('rotation_error', errorText(error));
    }
    if (!result.ok && result.error.code === 'not_wanted') continue;
    outcomes.push(
      result.ok
        ? { ...base, window: result.value.window, outcome: 'rotated' }
        : {
            ...base,
            window: window.value.counter,
            outcome: 'failed',
            error: { code: result.error.code, message: result.error.message },
          },
    );
  }
  return outcomes;
}

/**
 * The final lists of the profiles whose rules are (or may be) on this router. An untagged entry
 * on one of these lists was put there by the router's own knock rules: a classic knock.
 */
export async function classicListsForRouter(
  db: Queryable,
  routerId: string,
): Promise<{ list: string; profileId: string; profileName: string }[]> {
  if (!/^[0-9a-f-]{36}$/i.test(routerId)) return [];
  const rows = await db
    .select({ profile: knockProfiles })
    .from(profileDeployments)
    .innerJoin(knockProfiles, eq(knockProfiles.id, profileDeployments.profileId))
    .where(
      and(
        eq(profileDeployments.routerId, routerId),
        inArray(profileDeployments.status, ['applied', 'failed']),
      ),
    )
    .orderBy(asc(knockProfiles.name));
  const out: { list: string; profileId: string; profileName: string }[] = [];
  for (const { profile } of rows) {
    const list = profile.definition.finalList;
    if (typeof list === 'string' && list !== '')
      out.push({ list, profileId: profile.id, profileName: profile.name });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Export and client commands

export type ProfileView = {
  record: ProfileRecord;
  /** The profile as it is right now (rotating profiles: this window's ports). */
  current: ValidProfile;
  window: number | null;
  windowEndsAt: Date | null;
};

export async function currentProfile(
  db: Queryable,
  id: string,
  options: ServiceOptions = {},
): Promise<Result<ProfileView, ProfileError>> {
  const row = await findRow(db, id);
  if (!row) return fail('not_found', 'No such knock profile.');
  const desired = desiredAt(row, (options.now ?? new Date()).getTime(), options);
  if (!desired.ok) return desired;
  return ok({
    record: toRecord(row),
    current: desired.value.profile,
    window: desired.value.window,
    windowEndsAt: desired.value.windowEndsAt,
  });
}

/** The `.rsc` a RouterOS admin can paste; for rotating profiles, this window's ports. */
export function profileRsc(view: ProfileView): { filename: string; text: string } {
  const note = view.windowEndsAt
    ? [
        `Rotating sequence: these ports are valid until ${view.windowEndsAt.toISOString()};`,
        'Knockgate rewrites the rules on the router for every window.',
      ]
    : [];
  const slug =
    view.record.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'profile';
  return { filename: `knockgate-${slug}.rsc`, text: exportProfileRsc(view.current, { note }) };
}

export function profileCommands(view: ProfileView, host: string): Result<ClientCommands, ProfileError> {
  const result = clientCommands(view.current, host);
  return result.ok
    ? ok(result.commands)
    : fail(result.error.code, result.error.message, { host: result.error.message });
}

/** Routers a profile is applied to, for the commands page (their hosts are the default targets). */
export async function appliedRouters(
  db: Queryable,
  profileId: string,
): Promise<{ id: string; name: string; host: string }[]> {
  if (!/^[0-9a-f-]{36}$/i.test(profileId)) return [];
  return db
    .select({ id: routers.id, name: routers.name, host: routers.host })
    .from(profileDeployments)
    .innerJoin(routers, eq(routers.id, profileDeployments.routerId))
    .where(and(eq(profileDeployments.profileId, profileId), eq(profileDeployments.status, 'applied')))
    .orderBy(asc(routers.name));
}

/**
 * Who put an address-list entry there, for the live view. A router's knock rule adds the source as
 * a dynamic entry without a comment; our grants carry `knockgate:<id>`, an admin's own entries are
 * usually static or commented. So: an uncommented dynamic entry on a profile's final list is a
 * classic knock of that profile.
 */
export function classicAttribution(
  entry: { list: string; comment?: string | null; dynamic?: boolean | string },
  classicLists: readonly { list: string; profileId: string; profileName: string }[],
): { profileId: string; profileName: string } | null {
  if (entry.comment !== undefined && entry.comment !== null && entry.comment !== '') return null;
  if (entry.dynamic === false || entry.dynamic === 'false') return null;
  const hit = classicLists.find((c) => c.list === entry.list);
  return hit ? { profileId: hit.profileId, profileName: hit.profileName } : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
