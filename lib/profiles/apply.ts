/**
 * Executes the planner's operations on a router through the RouterOS API, then verifies.
 *
 *   read the four tables → planApply (pure) → add (place-before) / set / unset / move / remove,
 *   one command at a time → read again → planApply must now be empty.
 *
 * Safety argument for a failure in the middle (router gone, a trap, a concurrent edit):
 *   - every row we write carries `knockgate-profile:<id>:<n>`, so whatever was done is ours and is
 *     found again by the next run; nothing else is ever an operand (see plan.ts);
 *   - the planner orders adds before removals, so an interrupted run leaves an extra rule, never a
 *     missing accept in front of a new drop;
 *   - running apply again re-reads the router and plans from what is really there, so it converges
 *     (duplicated tags from two racing runs are removed as well).
 * Runs for one router are serialised (in this process, and across instances on PostgreSQL), so
 * two admins pressing Apply at once do not plan against the same stale snapshot.
 */
import { processEntryLocks } from '@/lib/grants/key-lock';
import {
  type AttributeValue,
  isRouterError,
  type RouterClient,
  RouterTrapError,
  type RouterRow as WireRow,
} from '@/lib/routeros';
import {
  describePlan,
  isEmptyPlan,
  type Plan,
  type PlanErrorCode,
  type PlanOp,
  type PlanSummary,
  planApply,
  planRemove,
  type RouterTables,
  summarizePlan,
} from './plan';
import { RULE_TABLES, type Rule } from './rule';

export type ApplyErrorCode =
  | PlanErrorCode
  /** The router refused or could not be reached; `routerCode` has the lib/routeros code. */
  | 'router_error'
  /** Every operation succeeded but the router does not show the wanted rules afterwards. */
  | 'verify_failed'
  /** The run's guard found, under the router's lock, that the change is no longer wanted. */
  | 'not_wanted';

export type ApplyError = {
  code: ApplyErrorCode;
  message: string;
  /** For router_error: router_trap, router_unreachable, router_timeout, … */
  routerCode?: string;
  /** Operations that had been carried out before the failure (the next apply finishes the job). */
  executed: number;
  total: number;
};

export type ApplyReport = {
  plan: Plan;
  summary: PlanSummary;
  /** Human diff of what was (or, for a dry run, would be) done. */
  diff: string;
  executed: number;
};

export type ApplyResult = { ok: true; value: ApplyReport } | { ok: false; error: ApplyError };

/** Reads every rule table the profiles write to, in table order, as `/print` returns them. */
export async function readRuleTables(client: RouterClient): Promise<RouterTables> {
  const tables: RouterTables = {};
  for (const table of RULE_TABLES) tables[table] = (await client.print(table)) as WireRow[];
  return tables;
}

/** One operation as API commands. `unset` and `move` take `numbers` like the console does. */
async function executeOp(client: RouterClient, op: PlanOp): Promise<void> {
  switch (op.op) {
    case 'add': {
      const attrs: Record<string, AttributeValue> = { ...op.attrs };
      if (op.placeBefore !== undefined) attrs['place-before'] = op.placeBefore;
      await client.add(op.table, attrs);
      return;
    }
    case 'set':
      if (Object.keys(op.attrs).length > 0) await client.set(op.table, op.id, op.attrs);
      for (const name of op.unset) {
        await client.command([`${op.table}/unset`, `=numbers=${op.id}`, `=value-name=${name}`]);
      }
      return;
    case 'move':
      await client.command([
        `${op.table}/move`,
        `=numbers=${op.id}`,
        ...(op.before !== undefined ? [`=destination=${op.before}`] : []),
      ]);
      return;
    case 'remove':
      try {
        await client.remove(op.table, op.id);
      } catch (error) {
        // Already gone (someone removed it since the print): the goal of the operation is met.
        if (error instanceof RouterTrapError && error.isNoSuchItem) return;
        throw error;
      }
  }
}

/**
 * Runs `work` after every earlier run for the same router has settled: in this process, and on
 * PostgreSQL across instances too (the keyed locks of lib/grants/key-lock.ts), so an admin's
 * remove on one instance and the leader's rotation on another never interleave their commands.
 */
export function withRouterLock<T>(routerId: string, work: () => Promise<T>): Promise<T> {
  return processEntryLocks().run(`profile-rules|${routerId}`, work);
}

/**
 * What a run does under the router's lock besides the router commands. `guard` is checked before
 * anything is read or changed: null to go on, or a short code saying why the run is no longer
 * wanted (never shown to people) — the background rotation re-reads its deployment there, so a
 * remove, an edit or a delete since it looked is not undone. `record` stores the outcome before
 * the lock is let go, so the next run (and its guard) sees it.
 */
export type RunGuard = () => Promise<string | null>;
export type RunHooks = { guard?: RunGuard; record?: (result: ApplyResult) => Promise<void> };

function routerFailure(error: unknown, executed: number, total: number): ApplyResult {
  if (!isRouterError(error)) throw error;
  const message =
    error instanceof RouterTrapError ? `The router refused: ${error.trapMessage}` : error.message;
  return {
    ok: false,
    error: { code: 'router_error', routerCode: error.code, message, executed, total },
  };
}

type Planner = (current: RouterTables) => ReturnType<typeof planApply>;

async function dryRunWith(client: RouterClient, planner: Planner): Promise<ApplyResult> {
  let current: RouterTables;
  try {
    current = await readRuleTables(client);
  } catch (error) {
    return routerFailure(error, 0, 0);
  }
  const planned = planner(current);
  if (!planned.ok) return { ok: false, error: { ...planned.error, executed: 0, total: 0 } };
  const plan = planned.plan;
  return {
    ok: true,
    value: { plan, summary: summarizePlan(plan), diff: describePlan(plan, current), executed: 0 },
  };
}

function runWith(client: RouterClient, planner: Planner, hooks: RunHooks = {}): Promise<ApplyResult> {
  return withRouterLock(client.id, async () => {
    const unwanted = hooks.guard ? await hooks.guard() : null;
    if (unwanted !== null)
      return { ok: false, error: { code: 'not_wanted', message: unwanted, executed: 0, total: 0 } };
    const result = await execute(client, planner);
    await hooks.record?.(result);
    return result;
  });
}

/** Plans, carries out the plan command by command, and verifies the router now shows the goal. */
async function execute(client: RouterClient, planner: Planner): Promise<ApplyResult> {
  const dry = await dryRunWith(client, planner);
  if (!dry.ok) return dry;
  const { plan } = dry.value;
  let executed = 0;
  try {
    for (const op of plan.ops) {
      await executeOp(client, op);
      executed += 1;
    }
  } catch (error) {
    return routerFailure(error, executed, plan.ops.length);
  }
  // Verify by planning again against what the router now shows: a fixed point means done.
  let after: RouterTables;
  try {
    after = await readRuleTables(client);
  } catch (error) {
    return routerFailure(error, executed, plan.ops.length);
  }
  const check = planner(after);
  if (!check.ok) return { ok: false, error: { ...check.error, executed, total: plan.ops.length } };
  if (!isEmptyPlan(check.plan)) {
    return {
      ok: false,
      error: {
        code: 'verify_failed',
        message: `The router does not show the expected rules after applying:\n${describePlan(check.plan, after)}`,
        executed,
        total: plan.ops.length,
      },
    };
  }
  return { ok: true, value: { ...dry.value, executed } };
}

/** What applying `desired` would change on the router, without changing anything. */
export function dryRunRules(client: RouterClient, profileId: string, desired: readonly Rule[]) {
  return dryRunWith(client, (current) => planApply(profileId, desired, current));
}

/** Makes the router carry exactly `desired` for this profile (idempotent), then verifies. */
export function applyRules(
  client: RouterClient,
  profileId: string,
  desired: readonly Rule[],
  hooks?: RunHooks,
) {
  return runWith(client, (current) => planApply(profileId, desired, current), hooks);
}

/** What removing the profile would take out. */
export function dryRunRemove(client: RouterClient, profileId: string) {
  return dryRunWith(client, (current) => planRemove(profileId, current));
}

/** Takes out exactly this profile's tagged rows, then verifies none is left. */
export function removeRules(client: RouterClient, profileId: string, hooks?: RunHooks) {
  return runWith(client, (current) => planRemove(profileId, current), hooks);
}
