/**
 * Idempotent apply planner (pure): desired rules of profile <id> + the router's current rows →
 * add / set / move / remove operations that touch only rows whose comment starts with
 * `knockgate-profile:<id>:`. Every other row (the admin's, other profiles') is never an operand;
 * it can only be a `place-before` / `destination` reference.
 *
 * Target state, per ordered table and chain:
 *   - exactly one row per desired tag, with the desired attributes;
 *   - our rows of the chain in desired order and all of them ABOVE the anchor, the first untagged
 *     `drop`/`reject` row of that chain (an admin rule that would otherwise swallow our knocks);
 *   - nothing else is required: an admin row between two of ours is left where it is.
 * Rows already in a valid position stay (longest increasing subsequence); the others are placed
 * before the next staying row of ours, or before the anchor, or at the end. That state is a fixed
 * point, so planning again after applying gives an empty plan.
 *
 * Operation order: layer7 adds/sets (filter rules reference them), then per table sets, then
 * adds/moves in desired order (each place-before target already exists), then removals last — a
 * plan interrupted half-way leaves extra rules rather than missing ones — and layer7 removals after
 * the filter rules that used them are gone.
 */
import { durationMs } from './model';
import {
  isKnockgateComment,
  isOrderedTable,
  isOwnComment,
  isProfileId,
  profileTagPrefix,
  RULE_TABLES,
  type Rule,
  type RuleTable,
} from './rule';

/** One row as `/print` returns it over the API: attribute map including `.id`. */
export type RouterRow = Readonly<Record<string, string>>;
/** Current rows per table, in table order (the order `/print` returns). */
export type RouterTables = Partial<Record<RuleTable, readonly RouterRow[]>>;

export type AddOp = {
  op: 'add';
  table: RuleTable;
  tag: string;
  attrs: Record<string, string>;
  /** `.id` of the row to insert before; absent = append at the end of the table. */
  placeBefore?: string;
};
export type SetOp = {
  op: 'set';
  table: RuleTable;
  tag: string;
  id: string;
  /** Only the attributes that change. */
  attrs: Record<string, string>;
  /** Attributes to clear (`unset`), present on the router but not wanted. */
  unset: string[];
  /** Values before the change, for the dry-run diff. */
  previous: Record<string, string | undefined>;
};
export type MoveOp = {
  op: 'move';
  table: RuleTable;
  tag: string;
  id: string;
  /** `.id` of the row to move before (API `destination`); absent = to the end of the table. */
  before?: string;
};
export type RemoveOp = {
  op: 'remove';
  table: RuleTable;
  tag: string;
  id: string;
  attrs: Record<string, string>;
};
export type PlanOp = AddOp | SetOp | MoveOp | RemoveOp;

export type Plan = { profileId: string; ops: PlanOp[] };

export type PlanErrorCode =
  | 'invalid_profile_id'
  | 'foreign_rule'
  | 'duplicate_tag'
  | 'missing_row_id'
  | 'duplicate_layer7_name'
  | 'layer7_name_conflict';
export type PlanError = { code: PlanErrorCode; message: string };
export type PlanResult = { ok: true; plan: Plan } | { ok: false; error: PlanError };

const LAYER7: RuleTable = '/ip/firewall/layer7-protocol';
const ORDERED_TABLES = RULE_TABLES.filter(isOrderedTable);

/** Read-only or counter fields that `/print` returns and that are not configuration. */
const IGNORED_ATTRS = new Set([
  '.id',
  '.nextid',
  '.dead',
  '.about',
  'bytes',
  'packets',
  'invalid',
  'dynamic',
  'builtin',
  'default',
]);
/** Configuration fields `/print` always shows; "not in our rule" means this value. */
const DEFAULT_ATTRS: Readonly<Record<string, string>> = { disabled: 'false', log: 'false', 'log-prefix': '' };
const DURATION_ATTRS = new Set(['address-list-timeout', 'timeout']);
const ANCHOR_ACTIONS = new Set(['drop', 'reject']);

function normalizeBoolean(value: string): string {
  if (value === 'yes') return 'true';
  if (value === 'no') return 'false';
  return value;
}

/** Equality as RouterOS means it: v6 prints `00:00:15` where we wrote `15s`, `yes` for `true`. */
export function sameAttrValue(name: string, wanted: string, actual: string | undefined): boolean {
  if (actual === undefined) return wanted === '';
  if (wanted === actual) return true;
  if (DURATION_ATTRS.has(name)) {
    const a = durationMs(wanted);
    return a !== null && a === durationMs(actual);
  }
  if (name === 'psd') {
    const [wa, wb, ...wr] = wanted.split(',');
    const [aa, ab, ...ar] = actual.split(',');
    const wd = durationMs(wb ?? '');
    return wa === aa && wd !== null && wd === durationMs(ab ?? '') && wr.join(',') === ar.join(',');
  }
  return normalizeBoolean(wanted) === normalizeBoolean(actual);
}

function diffRow(
  desired: Record<string, string>,
  row: RouterRow,
): { attrs: Record<string, string>; unset: string[]; previous: Record<string, string | undefined> } | null {
  const attrs: Record<string, string> = {};
  const previous: Record<string, string | undefined> = {};
  const unset: string[] = [];
  for (const [name, value] of Object.entries(desired)) {
    if (!sameAttrValue(name, value, row[name])) {
      attrs[name] = value;
      previous[name] = row[name];
    }
  }
  for (const [name, value] of Object.entries(row)) {
    if (Object.hasOwn(desired, name) || IGNORED_ATTRS.has(name)) continue;
    const fallback = DEFAULT_ATTRS[name];
    if (fallback !== undefined) {
      if (!sameAttrValue(name, fallback, value)) {
        attrs[name] = fallback;
        previous[name] = value;
      }
    } else if (value !== '') {
      unset.push(name);
      previous[name] = value;
    }
  }
  return Object.keys(attrs).length > 0 || unset.length > 0 ? { attrs, unset, previous } : null;
}

/** Longest strictly increasing subsequence of `values`; returns the chosen indexes into `values`. */
function longestIncreasing(values: readonly number[]): Set<number> {
  const tails: number[] = []; // index into values of the smallest tail for each length
  const parent: number[] = new Array(values.length).fill(-1);
  values.forEach((value, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]!]! < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) parent[i] = tails[lo - 1]!;
    tails[lo] = i;
  });
  const chosen = new Set<number>();
  let at = tails.length > 0 ? tails[tails.length - 1]! : -1;
  while (at >= 0) {
    chosen.add(at);
    at = parent[at]!;
  }
  return chosen;
}

class PlanFailure {
  constructor(readonly error: PlanError) {}
}
const fail = (code: PlanErrorCode, message: string): never => {
  throw new PlanFailure({ code, message });
};

function rowId(row: RouterRow, table: RuleTable, index: number): string {
  const id = row['.id'];
  if (id === undefined || id === '')
    fail('missing_row_id', `Row ${index + 1} of ${table} has no .id; print it again.`);
  return id!;
}

function checkDesired(profileId: string, desired: readonly Rule[]): void {
  if (!isProfileId(profileId)) fail('invalid_profile_id', `"${profileId}" is not a profile id.`);
  const prefix = profileTagPrefix(profileId);
  const tags = new Set<string>();
  for (const rule of desired) {
    const tag = rule.attrs.comment;
    if (tag === undefined || !tag.startsWith(prefix)) {
      fail(
        'foreign_rule',
        `A desired rule is not tagged ${prefix}<n>; only the profile's own rules can be applied.`,
      );
    }
    if (tags.has(tag!)) fail('duplicate_tag', `Two desired rules carry the tag ${tag}.`);
    tags.add(tag!);
  }
}

function planLayer7(profileId: string, desired: readonly Rule[], rows: readonly RouterRow[]) {
  const first: PlanOp[] = [];
  const last: PlanOp[] = [];
  const ours = rows
    .map((row, i) => ({ row, id: rowId(row, LAYER7, i) }))
    .filter(({ row }) => isOwnComment(row.comment, profileId));
  const used = new Set<string>();
  const names = new Set<string>();
  for (const rule of desired) {
    const name = rule.attrs.name ?? '';
    const tag = rule.attrs.comment!;
    if (names.has(name)) fail('duplicate_layer7_name', `Two desired layer7 protocols are named "${name}".`);
    names.add(name);
    // Matched by name: the router refuses two layer7 protocols with one name, so a re-numbered tag
    // must become a comment change, never an add next to a not-yet-removed twin.
    const match = ours.find(({ row, id }) => row.name === name && !used.has(id));
    if (!match) {
      if (rows.some((row) => row.name === name)) {
        fail(
          'layer7_name_conflict',
          `A layer7 protocol named "${name}" exists and is not this profile's; rename one.`,
        );
      }
      first.push({ op: 'add', table: LAYER7, tag, attrs: { ...rule.attrs } });
      continue;
    }
    used.add(match.id);
    const diff = diffRow(rule.attrs, match.row);
    if (diff) first.push({ op: 'set', table: LAYER7, tag, id: match.id, ...diff });
  }
  for (const { row, id } of ours) {
    if (!used.has(id))
      last.push({ op: 'remove', table: LAYER7, tag: row.comment ?? '', id, attrs: { ...row } });
  }
  return { first, last };
}

type Entry = { id: string; chain: string; tag: string | null; row: RouterRow };

function planOrderedTable(
  profileId: string,
  table: RuleTable,
  desired: readonly Rule[],
  rows: readonly RouterRow[],
) {
  const sets: PlanOp[] = [];
  const placement: PlanOp[] = [];
  const removals: PlanOp[] = [];
  const wanted = new Map(desired.map((rule, index) => [rule.attrs.comment!, { rule, index }]));

  // Pair each desired tag with at most one existing row (the first carrying it).
  const entries: Entry[] = [];
  const matchedTags = new Set<string>();
  rows.forEach((row, i) => {
    const id = rowId(row, table, i);
    if (!isOwnComment(row.comment, profileId)) {
      entries.push({ id, chain: row.chain ?? '', tag: null, row });
      return;
    }
    const tag = row.comment!;
    const want = wanted.get(tag);
    if (!want || matchedTags.has(tag)) {
      removals.push({ op: 'remove', table, tag, id, attrs: { ...row } });
      entries.push({ id, chain: row.chain ?? '', tag: null, row }); // stays until the removals run
      return;
    }
    matchedTags.add(tag);
    const diff = diffRow(want.rule.attrs, row);
    if (diff) sets.push({ op: 'set', table, tag, id, ...diff });
    entries.push({ id, chain: want.rule.attrs.chain ?? '', tag, row });
  });

  const chains = [...new Set(desired.map((rule) => rule.attrs.chain ?? ''))];
  for (const chain of chains) {
    const order = desired
      .filter((rule) => (rule.attrs.chain ?? '') === chain)
      .map((rule) => rule.attrs.comment!);
    const rank = new Map(order.map((tag, i) => [tag, i]));
    const anchorIndex = entries.findIndex(
      ({ row, chain: c, tag }) =>
        tag === null &&
        c === chain &&
        !isKnockgateComment(row.comment) &&
        ANCHOR_ACTIONS.has(row.action ?? 'accept') &&
        row.dynamic !== 'true' &&
        row.dynamic !== 'yes',
    );
    const limit = anchorIndex < 0 ? entries.length : anchorIndex;
    const anchorId = anchorIndex < 0 ? undefined : entries[anchorIndex]!.id;

    // Our rows of this chain above the anchor, in table order; keep the longest in-order run.
    const candidates = entries.slice(0, limit).filter((e) => e.tag !== null && rank.has(e.tag));
    const keep = longestIncreasing(candidates.map((e) => rank.get(e.tag!)!));
    const staying = new Map<string, string>(); // tag → id
    candidates.forEach((e, i) => {
      if (keep.has(i)) staying.set(e.tag!, e.id);
    });
    const existing = new Map(entries.filter((e) => e.tag !== null).map((e) => [e.tag!, e.id]));

    order.forEach((tag, i) => {
      if (staying.has(tag)) return;
      let before = anchorId;
      for (const next of order.slice(i + 1)) {
        const id = staying.get(next);
        if (id !== undefined) {
          before = id;
          break;
        }
      }
      const id = existing.get(tag);
      if (id !== undefined) {
        placement.push({ op: 'move', table, tag, id, ...(before !== undefined ? { before } : {}) });
      } else {
        const { rule } = wanted.get(tag)!;
        placement.push({
          op: 'add',
          table,
          tag,
          attrs: { ...rule.attrs },
          ...(before !== undefined ? { placeBefore: before } : {}),
        });
      }
    });
  }
  return { sets, placement, removals };
}

function run(build: () => Plan): PlanResult {
  try {
    return { ok: true, plan: build() };
  } catch (error) {
    if (error instanceof PlanFailure) return { ok: false, error: error.error };
    throw error;
  }
}

/** Operations that make the router carry exactly `desired` for this profile. Never throws. */
export function planApply(profileId: string, desired: readonly Rule[], current: RouterTables): PlanResult {
  return run(() => {
    checkDesired(profileId, desired);
    const l7 = planLayer7(
      profileId,
      desired.filter((rule) => rule.table === LAYER7),
      current[LAYER7] ?? [],
    );
    const ops: PlanOp[] = [...l7.first];
    const removals: PlanOp[] = [];
    for (const table of ORDERED_TABLES) {
      const result = planOrderedTable(
        profileId,
        table,
        desired.filter((rule) => rule.table === table),
        current[table] ?? [],
      );
      ops.push(...result.sets, ...result.placement);
      removals.push(...result.removals);
    }
    ops.push(...removals, ...l7.last);
    return { profileId, ops };
  });
}

/** Exactly the removal of this profile's rows (filter/nat/raw first, then layer7). Never throws. */
export function planRemove(profileId: string, current: RouterTables): PlanResult {
  return planApply(profileId, [], current);
}

export function isEmptyPlan(plan: Plan): boolean {
  return plan.ops.length === 0;
}

export type PlanSummary = { add: number; set: number; move: number; remove: number };

export function summarizePlan(plan: Plan): PlanSummary {
  const summary: PlanSummary = { add: 0, set: 0, move: 0, remove: 0 };
  for (const op of plan.ops) summary[op.op] += 1;
  return summary;
}

function formatAttrs(attrs: Readonly<Record<string, string>>): string {
  return Object.entries(attrs)
    .filter(([name]) => !IGNORED_ATTRS.has(name) && name !== 'comment')
    .map(([name, value]) => `${name}=${/^[^\s"]+$/.test(value) ? value : JSON.stringify(value)}`)
    .join(' ');
}

function rowLabel(id: string, rows: readonly RouterRow[] | undefined): string {
  const row = rows?.find((r) => r['.id'] === id);
  if (!row) return id;
  const comment = row.comment ? ` "${row.comment}"` : '';
  return `${id} (${row.chain ?? ''} ${row.action ?? ''}${comment})`.replace(/\s+\)/, ')');
}

/**
 * Human-readable diff for the dry-run view, e.g.
 *   /ip/firewall/filter
 *     + add    knockgate-profile:ssh:4  chain=input action=accept … (before *5 (input drop "defconf: drop invalid"))
 *     ~ set    knockgate-profile:ssh:3  *7  address-list-timeout: 10s → 15s
 */
export function describePlan(plan: Plan, current: RouterTables = {}): string {
  if (plan.ops.length === 0)
    return `Profile ${plan.profileId}: the router already matches; nothing to change.`;
  const s = summarizePlan(plan);
  const lines = [
    `Profile ${plan.profileId}: ${s.add} to add, ${s.set} to change, ${s.move} to move, ${s.remove} to remove.`,
  ];
  let table: RuleTable | null = null;
  for (const op of plan.ops) {
    if (op.table !== table) {
      table = op.table;
      lines.push(table);
    }
    const rows = current[op.table];
    switch (op.op) {
      case 'add': {
        const where = op.placeBefore !== undefined ? ` (before ${rowLabel(op.placeBefore, rows)})` : '';
        lines.push(`  + add     ${op.tag}  ${formatAttrs(op.attrs)}${where}`);
        break;
      }
      case 'set': {
        const changes = Object.entries(op.attrs).map(
          ([name, value]) => `${name}: ${op.previous[name] ?? '(unset)'} → ${value}`,
        );
        const cleared = op.unset.map((name) => `${name}: ${op.previous[name] ?? ''} → (unset)`);
        lines.push(`  ~ set     ${op.tag}  ${op.id}  ${[...changes, ...cleared].join(', ')}`);
        break;
      }
      case 'move': {
        const where = op.before !== undefined ? `before ${rowLabel(op.before, rows)}` : 'to the end';
        lines.push(`  ↕ move    ${op.tag}  ${op.id}  ${where}`);
        break;
      }
      case 'remove':
        lines.push(`  - remove  ${op.tag}  ${op.id}  ${formatAttrs(op.attrs)}`);
        break;
    }
  }
  return lines.join('\n');
}
