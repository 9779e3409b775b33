/**
 * A small in-memory model of RouterOS rule tables for planner tests: add with place-before, set,
 * unset, move with destination, remove, and `/print` output with the fields a real router adds
 * (counters, `disabled=false`, `log=false`, …). It throws like the router refuses: unknown `.id`,
 * a destination in another table, a second layer7 protocol with the same name.
 */
import { canonicalDuration, durationMs } from '../model';
import type { Plan, RouterRow, RouterTables } from '../plan';
import { isOrderedTable, RULE_TABLES, type RuleTable } from '../rule';

type StoredRow = { id: string; attrs: Record<string, string> };

export type DurationStyle = 'v7' | 'v6';

/** v6 prints `00:00:15` / `1d 02:00:00` where v7 prints `15s` / `1d2h`. */
function printDuration(value: string, style: DurationStyle): string {
  const ms = durationMs(value);
  if (style === 'v7' || ms === null) return canonicalDuration(value);
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  const clock = [Math.floor(rest / 3600), Math.floor((rest % 3600) / 60), rest % 60]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  return days > 0 ? `${days}d ${clock}` : clock;
}

export class RouterTableModel {
  private readonly tables = new Map<RuleTable, StoredRow[]>();
  private nextId = 1;

  constructor(
    initial: Partial<Record<RuleTable, readonly Record<string, string>[]>> = {},
    private readonly durationStyle: DurationStyle = 'v7',
  ) {
    for (const table of RULE_TABLES) {
      this.tables.set(table, []);
      for (const attrs of initial[table] ?? []) this.add(table, attrs);
    }
  }

  private rows(table: RuleTable): StoredRow[] {
    return this.tables.get(table)!;
  }

  private indexOf(table: RuleTable, id: string): number {
    const index = this.rows(table).findIndex((row) => row.id === id);
    if (index < 0) throw new Error(`no such item (${table} ${id})`);
    return index;
  }

  add(table: RuleTable, attrs: Record<string, string>, placeBefore?: string): string {
    const rows = this.rows(table);
    if (table === '/ip/firewall/layer7-protocol' && rows.some((row) => row.attrs.name === attrs.name)) {
      throw new Error('failure: already have such name');
    }
    if (placeBefore !== undefined && !isOrderedTable(table))
      throw new Error('place-before on an unordered table');
    const row = { id: `*${(this.nextId++).toString(16).toUpperCase()}`, attrs: { ...attrs } };
    if (placeBefore === undefined) rows.push(row);
    else rows.splice(this.indexOf(table, placeBefore), 0, row);
    return row.id;
  }

  set(table: RuleTable, id: string, attrs: Record<string, string>, unset: readonly string[] = []): void {
    const row = this.rows(table)[this.indexOf(table, id)]!;
    Object.assign(row.attrs, attrs);
    for (const name of unset) delete row.attrs[name];
  }

  move(table: RuleTable, id: string, before?: string): void {
    if (!isOrderedTable(table)) throw new Error('move on an unordered table');
    const rows = this.rows(table);
    const [row] = rows.splice(this.indexOf(table, id), 1);
    if (before === undefined) rows.push(row!);
    else rows.splice(this.indexOf(table, before), 0, row!);
  }

  remove(table: RuleTable, id: string): void {
    this.rows(table).splice(this.indexOf(table, id), 1);
  }

  applyPlan(plan: Plan): void {
    for (const op of plan.ops) {
      if (op.op === 'add') this.add(op.table, op.attrs, op.placeBefore);
      else if (op.op === 'set') this.set(op.table, op.id, op.attrs, op.unset);
      else if (op.op === 'move') this.move(op.table, op.id, op.before);
      else this.remove(op.table, op.id);
    }
  }

  /** What `/print` would return for every table. */
  print(): RouterTables {
    const out: Partial<Record<RuleTable, RouterRow[]>> = {};
    for (const table of RULE_TABLES) {
      out[table] = this.rows(table).map(({ id, attrs }) => {
        const printed: Record<string, string> = { '.id': id };
        if (isOrderedTable(table)) {
          Object.assign(printed, {
            bytes: '0',
            packets: '0',
            invalid: 'false',
            dynamic: 'false',
            disabled: 'false',
          });
          Object.assign(printed, { log: 'false', 'log-prefix': '' });
        }
        for (const [name, value] of Object.entries(attrs)) {
          printed[name] = name === 'address-list-timeout' ? printDuration(value, this.durationStyle) : value;
        }
        return printed;
      });
    }
    return out;
  }

  /** Stored configuration (no ids, no printed defaults), per table in order. */
  config(table: RuleTable): Record<string, string>[] {
    return this.rows(table).map((row) => ({ ...row.attrs }));
  }

  /** Ids per table in order. */
  ids(table: RuleTable): string[] {
    return this.rows(table).map((row) => row.id);
  }
}
