/**
 * Configuration tables of the simulated router. Every table keeps ordered rows of RouterOS attribute
 * maps (`chain=input`, `dst-port=22`, …) exactly as a client set them, so a packet-evaluation engine
 * can read the rules in order and the API prints them back the way RouterOS does.
 */
import { formatDuration, MAX_DURATION_SECONDS, parseDuration } from '@/lib/routeros/duration';
import { type AddressFamily, addressContains, type ParsedAddress, parseListAddress } from './address';
import { formatRouterDate, noSuchItemMessage, type VersionInfo } from './version';

/** Thrown inside table operations; the dispatcher turns it into `!trap` + `!done`. */
export class TrapSignal extends Error {
  constructor(
    message: string,
    readonly category?: number,
  ) {
    super(message);
  }
}

export interface TableContext {
  now: number;
  version: VersionInfo;
}

export interface StoredRow {
  id: number;
  /** Attributes as the client set them (normalised where RouterOS normalises, e.g. addresses). */
  attrs: Map<string, string>;
  createdAt: number;
  dynamic: boolean;
  /** Router-clock time at which a dynamic entry vanishes. */
  expiresAt: number | null;
  /** DNS children point to the name entry they were resolved from. */
  parentId: number | null;
  bytes: number;
  packets: number;
}

export function formatId(id: number): string {
  return `*${id.toString(16).toUpperCase()}`;
}

const READ_ONLY = new Set(['.id', 'dynamic', 'invalid', 'bytes', 'packets', 'creation-time']);

export abstract class Table {
  protected rowsInOrder: StoredRow[] = [];
  protected readonly byId = new Map<number, StoredRow>();
  private nextId = 1;

  constructor(readonly path: string) {}

  /** Attribute names `add`/`set` accept (besides `comment` and `disabled`). */
  protected abstract readonly settable: ReadonlySet<string>;

  abstract printRow(row: StoredRow, ctx: TableContext): Map<string, string>;

  /** Hook: validate and normalise attributes for a new row or a change to an existing one. */
  protected abstract check(attrs: Map<string, string>, ctx: TableContext, existing: StoredRow | null): void;

  /** Drops rows whose time is up. Tables without timeouts have nothing to do. */
  prune(_now: number): void {}

  rows(ctx: TableContext): readonly StoredRow[] {
    this.prune(ctx.now);
    return this.rowsInOrder;
  }

  get size(): number {
    return this.rowsInOrder.length;
  }

  protected allocate(attrs: Map<string, string>, ctx: TableContext): StoredRow {
    const row: StoredRow = {
      id: this.nextId,
      attrs,
      createdAt: ctx.now,
      dynamic: false,
      expiresAt: null,
      parentId: null,
      bytes: 0,
      packets: 0,
    };
    this.nextId += 1;
    return row;
  }

  protected insert(row: StoredRow, beforeIndex?: number): void {
    if (beforeIndex === undefined || beforeIndex >= this.rowsInOrder.length) this.rowsInOrder.push(row);
    else this.rowsInOrder.splice(beforeIndex, 0, row);
    this.byId.set(row.id, row);
  }

  protected delete(rows: readonly StoredRow[]): void {
    if (rows.length === 0) return;
    const gone = new Set(rows.map((r) => r.id));
    for (const id of gone) this.byId.delete(id);
    this.rowsInOrder = this.rowsInOrder.filter((r) => !gone.has(r.id));
  }

  protected checkNames(attrs: Map<string, string>): void {
    for (const name of attrs.keys()) {
      if (READ_ONLY.has(name)) throw new TrapSignal(`failure: ${name} is read-only`, 1);
      if (name !== 'comment' && name !== 'disabled' && !this.settable.has(name)) {
        throw new TrapSignal(`unknown parameter ${name}`, 1);
      }
    }
    const disabled = attrs.get('disabled');
    if (disabled !== undefined) attrs.set('disabled', parseBool(disabled, 'disabled'));
  }

  /** Resolves `*1A,*2B` (or names, where a table has them) into rows; any unknown id traps. */
  find(spec: string, ctx: TableContext): StoredRow[] {
    this.prune(ctx.now);
    const out: StoredRow[] = [];
    for (const part of spec.split(',')) {
      const row = this.lookup(part.trim());
      if (!row) throw new TrapSignal(noSuchItemMessage(ctx.version));
      out.push(row);
    }
    return out;
  }

  protected lookup(ref: string): StoredRow | undefined {
    const match = /^\*([0-9a-f]+)$/i.exec(ref);
    return match ? this.byId.get(Number.parseInt(match[1] as string, 16)) : undefined;
  }

  get(id: number): StoredRow | undefined {
    return this.byId.get(id);
  }

  add(attrs: Map<string, string>, ctx: TableContext, placeBefore?: string): StoredRow {
    this.checkNames(attrs);
    this.check(attrs, ctx, null);
    let index: number | undefined;
    if (placeBefore !== undefined) {
      const [target] = this.find(placeBefore, ctx);
      index = this.rowsInOrder.indexOf(target as StoredRow);
    }
    const row = this.allocate(attrs, ctx);
    this.insert(row, index);
    this.afterAdd(row, ctx);
    return row;
  }

  protected afterAdd(_row: StoredRow, _ctx: TableContext): void {}

  set(rows: readonly StoredRow[], attrs: Map<string, string>, ctx: TableContext): void {
    this.checkNames(attrs);
    for (const row of rows) {
      const merged = new Map(row.attrs);
      for (const [k, v] of attrs) merged.set(k, v);
      this.check(merged, ctx, row);
      row.attrs = merged;
      this.afterSet(row, ctx);
    }
  }

  protected afterSet(_row: StoredRow, _ctx: TableContext): void {}

  remove(rows: readonly StoredRow[], _ctx: TableContext): void {
    if (rows.some((r) => r.dynamic && r.parentId !== null)) {
      // RouterOS does not let a client delete what the router itself derived.
      throw new TrapSignal('failure: can not remove dynamic entry');
    }
    this.delete(rows);
  }

  /** `/move =numbers=… =destination=…`: moves rows before the destination (or to the end). */
  move(rows: readonly StoredRow[], destination: StoredRow | null): void {
    const moving = new Set(rows.map((r) => r.id));
    const rest = this.rowsInOrder.filter((r) => !moving.has(r.id));
    const at = destination && !moving.has(destination.id) ? rest.indexOf(destination) : rest.length;
    rest.splice(at, 0, ...rows);
    this.rowsInOrder = rest;
  }

  /** Reboot: dynamic rows are not saved to the configuration. */
  dropDynamic(): void {
    this.delete(this.rowsInOrder.filter((r) => r.dynamic));
  }

  protected boolField(row: StoredRow, name: string): string {
    return row.attrs.get(name) === 'yes' ? 'true' : 'false';
  }
}

export function parseBool(value: string, name: string): string {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return 'yes';
  if (v === 'no' || v === 'false' || v === '') return 'no';
  throw new TrapSignal(`input does not match any value of ${name}`, 1);
}

// ---- address lists ----------------------------------------------------------------------------

export type Resolver = (name: string, family: AddressFamily) => Promise<string[]>;

function entryKey(list: string, address: string): string {
  return `${list}\u0000${address}`;
}

export interface AddressListEntryView {
  id: string;
  list: string;
  address: string;
  comment: string | undefined;
  disabled: boolean;
  dynamic: boolean;
  /** Seconds left, null for a permanent entry. */
  timeoutSeconds: number | null;
  /** For DNS children: the id of the name entry. */
  parentId: string | null;
}

export class AddressListTable extends Table {
  protected readonly settable = new Set(['list', 'address', 'timeout']);
  private readonly parsed = new Map<number, ParsedAddress>();
  /** list + address → the client's entry, so duplicate checks stay O(1) on 100,000-entry lists. */
  private readonly byKey = new Map<string, StoredRow>();
  private readonly keyOf = new Map<number, string>();
  private readonly childrenOf = new Map<number, Set<StoredRow>>();
  /** Name entries waiting for (or being) resolved; children follow each answer. */
  private readonly pendingResolutions = new Set<Promise<void>>();

  constructor(
    path: string,
    readonly family: AddressFamily,
    private resolver: Resolver,
  ) {
    super(path);
  }

  setResolver(resolver: Resolver): void {
    this.resolver = resolver;
  }

  protected check(attrs: Map<string, string>, ctx: TableContext, existing: StoredRow | null): void {
    const list = attrs.get('list');
    if (list === undefined || list === '') throw new TrapSignal('failure: list not specified');
    const rawAddress = attrs.get('address');
    if (rawAddress === undefined || rawAddress === '') throw new TrapSignal('failure: address not specified');
    const address = parseListAddress(rawAddress, this.family);
    if (!address) throw new TrapSignal('invalid value for argument address', 1);
    attrs.set('address', address.text);
    const timeout = attrs.get('timeout');
    if (timeout !== undefined && timeout !== '') {
      let seconds: number;
      try {
        seconds = parseDuration(timeout);
      } catch {
        throw new TrapSignal(
          `value of timeout out of range (0s..${formatDuration(MAX_DURATION_SECONDS)}) or not a time`,
          1,
        );
      }
      attrs.set('timeout', String(seconds));
    } else if (existing === null) attrs.delete('timeout');
    const other = this.byKey.get(entryKey(list, address.text));
    if (other && other !== existing && (other.expiresAt === null || other.expiresAt > ctx.now)) {
      throw new TrapSignal('failure: already have such entry');
    }
  }

  protected afterAdd(row: StoredRow, ctx: TableContext): void {
    this.applyTimeout(row, ctx);
    this.track(row, ctx);
  }

  protected afterSet(row: StoredRow, ctx: TableContext): void {
    // A `set` without `timeout` keeps the running countdown.
    if (row.attrs.has('timeout')) this.applyTimeout(row, ctx);
    this.track(row, ctx);
  }

  private applyTimeout(row: StoredRow, ctx: TableContext): void {
    const timeout = row.attrs.get('timeout');
    // An entry with a timeout lives in memory only: RouterOS shows it as dynamic and forgets it on reboot.
    if (timeout === undefined || timeout === '') {
      row.expiresAt = null;
      row.dynamic = false;
    } else {
      row.expiresAt = ctx.now + Number(timeout) * 1000;
      row.dynamic = true;
    }
    row.attrs.delete('timeout');
    for (const child of this.children(row)) child.expiresAt = row.expiresAt;
  }

  private index(row: StoredRow): void {
    const old = this.keyOf.get(row.id);
    if (old !== undefined && this.byKey.get(old) === row) this.byKey.delete(old);
    const key = entryKey(row.attrs.get('list') ?? '', row.attrs.get('address') ?? '');
    this.byKey.set(key, row);
    this.keyOf.set(row.id, key);
  }

  private track(row: StoredRow, ctx: TableContext): void {
    this.index(row);
    const parsed = parseListAddress(row.attrs.get('address') ?? '', this.family);
    if (parsed) this.parsed.set(row.id, parsed);
    if (parsed?.kind === 'dns') this.resolveEntry(row, ctx);
    else this.delete(this.children(row));
  }

  private children(parent: StoredRow): StoredRow[] {
    return [...(this.childrenOf.get(parent.id) ?? [])];
  }

  protected delete(rows: readonly StoredRow[]): void {
    if (rows.length === 0) return;
    const withChildren = new Set(rows);
    for (const row of rows) for (const child of this.children(row)) withChildren.add(child);
    for (const row of withChildren) {
      this.parsed.delete(row.id);
      this.childrenOf.delete(row.id);
      if (row.parentId !== null) this.childrenOf.get(row.parentId)?.delete(row);
      const key = this.keyOf.get(row.id);
      if (key !== undefined && this.byKey.get(key) === row) this.byKey.delete(key);
      this.keyOf.delete(row.id);
    }
    super.delete([...withChildren]);
  }

  prune(now: number): void {
    const expired: StoredRow[] = [];
    for (const row of this.rowsInOrder) {
      if (row.expiresAt !== null && row.expiresAt <= now) expired.push(row);
    }
    if (expired.length > 0) this.delete(expired);
  }

  /** Resolves a DNS-name entry and makes its dynamic children match the answer. */
  private resolveEntry(row: StoredRow, ctx: TableContext): Promise<void> {
    const name = row.attrs.get('address') ?? '';
    const job = this.resolver(name, this.family)
      .catch(() => [] as string[])
      .then((answers) => {
        if (this.byId.get(row.id) !== row || row.attrs.get('address') !== name) return;
        const wanted = new Map<string, ParsedAddress>();
        for (const answer of answers) {
          const parsed = parseListAddress(answer, this.family);
          if (parsed && parsed.kind !== 'dns') wanted.set(parsed.text, parsed);
        }
        const existing = this.children(row);
        this.delete(existing.filter((c) => !wanted.has(c.attrs.get('address') ?? '')));
        const kept = new Set(existing.map((c) => c.attrs.get('address')));
        for (const [text, parsed] of wanted) {
          if (kept.has(text)) continue;
          const attrs = new Map([
            ['list', row.attrs.get('list') ?? ''],
            ['address', text],
            // RouterOS v7 labels resolved entries with the name they came from.
            ['comment', name],
            ['disabled', row.attrs.get('disabled') ?? 'no'],
          ]);
          const child = this.allocate(attrs, ctx);
          child.dynamic = true;
          child.parentId = row.id;
          child.expiresAt = row.expiresAt;
          this.insert(child);
          this.parsed.set(child.id, parsed);
          let siblings = this.childrenOf.get(row.id);
          if (!siblings) {
            siblings = new Set();
            this.childrenOf.set(row.id, siblings);
          }
          siblings.add(child);
        }
      });
    this.pendingResolutions.add(job);
    void job.finally(() => this.pendingResolutions.delete(job));
    return job;
  }

  /** Re-resolves every DNS-name entry (RouterOS does so as the DNS answers' TTLs run out). */
  async refreshNames(ctx: TableContext): Promise<void> {
    this.prune(ctx.now);
    const jobs = this.rowsInOrder
      .filter((r) => r.parentId === null && this.parsed.get(r.id)?.kind === 'dns')
      .map((r) => this.resolveEntry(r, ctx));
    await Promise.all([...jobs, ...this.pendingResolutions]);
  }

  async settled(): Promise<void> {
    while (this.pendingResolutions.size > 0) await Promise.all([...this.pendingResolutions]);
  }

  printRow(row: StoredRow, ctx: TableContext): Map<string, string> {
    const out = new Map<string, string>();
    out.set('.id', formatId(row.id));
    out.set('list', row.attrs.get('list') ?? '');
    out.set('address', row.attrs.get('address') ?? '');
    out.set('creation-time', formatRouterDate(row.createdAt, ctx.version));
    if (row.expiresAt !== null) {
      out.set('timeout', formatDuration(Math.max(0, Math.ceil((row.expiresAt - ctx.now) / 1000))));
    }
    out.set('dynamic', row.dynamic ? 'true' : 'false');
    out.set('disabled', this.boolField(row, 'disabled'));
    const comment = row.attrs.get('comment');
    if (comment !== undefined && comment !== '') out.set('comment', comment);
    return out;
  }

  // ---- API for the packet-evaluation engine (sim/firewall) and tests ----

  entries(ctx: TableContext, list?: string): AddressListEntryView[] {
    return this.rows(ctx)
      .filter((r) => list === undefined || r.attrs.get('list') === list)
      .map((r) => this.view(r, ctx));
  }

  private view(r: StoredRow, ctx: TableContext): AddressListEntryView {
    return {
      id: formatId(r.id),
      list: r.attrs.get('list') ?? '',
      address: r.attrs.get('address') ?? '',
      comment: r.attrs.get('comment'),
      disabled: r.attrs.get('disabled') === 'yes',
      dynamic: r.dynamic,
      timeoutSeconds: r.expiresAt === null ? null : Math.max(0, Math.ceil((r.expiresAt - ctx.now) / 1000)),
      parentId: r.parentId === null ? null : formatId(r.parentId),
    };
  }

  /** Whether an enabled entry of `list` covers the bare address `ip` (networks and ranges included). */
  contains(list: string, ip: string, ctx: TableContext): boolean {
    return this.rows(ctx).some((r) => {
      if (r.attrs.get('list') !== list || r.attrs.get('disabled') === 'yes') return false;
      const parsed = this.parsed.get(r.id);
      return parsed !== undefined && addressContains(parsed, ip);
    });
  }

  /**
   * What `action=add-src-to-address-list` does: add a dynamic entry, or refresh the timeout of the
   * entry already there. `timeoutSeconds` 0/undefined means no timeout (a permanent dynamic entry).
   */
  addDynamic(
    entry: { list: string; address: string; timeoutSeconds?: number; comment?: string },
    ctx: TableContext,
  ): AddressListEntryView {
    const parsed = parseListAddress(entry.address, this.family);
    if (!parsed || parsed.kind === 'dns') throw new TrapSignal('invalid value for argument address', 1);
    const expiresAt = entry.timeoutSeconds
      ? ctx.now + Math.min(entry.timeoutSeconds, MAX_DURATION_SECONDS) * 1000
      : null;
    this.prune(ctx.now);
    let row = this.byKey.get(entryKey(entry.list, parsed.text));
    if (row) {
      if (row.dynamic && row.parentId === null) row.expiresAt = expiresAt;
    } else {
      const attrs = new Map([
        ['list', entry.list],
        ['address', parsed.text],
        ['disabled', 'no'],
      ]);
      if (entry.comment) attrs.set('comment', entry.comment);
      row = this.allocate(attrs, ctx);
      row.dynamic = true;
      row.expiresAt = expiresAt;
      this.insert(row);
      this.parsed.set(row.id, parsed);
      this.index(row);
    }
    return this.view(row, ctx);
  }
}

// ---- firewall rules ---------------------------------------------------------------------------

export type RuleTableName = 'filter' | 'nat' | 'raw';

const COMMON_RULE_ATTRS = [
  'chain',
  'action',
  'protocol',
  'src-address',
  'dst-address',
  'src-port',
  'dst-port',
  'port',
  'src-address-list',
  'dst-address-list',
  'src-address-type',
  'dst-address-type',
  'in-interface',
  'out-interface',
  'in-interface-list',
  'out-interface-list',
  'content',
  'layer7-protocol',
  'packet-size',
  'icmp-options',
  'tcp-flags',
  'psd',
  'limit',
  'dst-limit',
  'nth',
  'address-list',
  'address-list-timeout',
  'jump-target',
  'log',
  'log-prefix',
  'ttl',
  'tls-host',
  'per-connection-classifier',
  'random',
  'time',
];

const TABLE_ATTRS: Record<RuleTableName, string[]> = {
  filter: [
    ...COMMON_RULE_ATTRS,
    'connection-state',
    'connection-nat-state',
    'connection-limit',
    'connection-rate',
    'connection-mark',
    'connection-type',
    'reject-with',
    'hw-offload',
  ],
  nat: [
    ...COMMON_RULE_ATTRS,
    'connection-state',
    'connection-mark',
    'to-addresses',
    'to-ports',
    'same-not-by-dst',
  ],
  raw: [...COMMON_RULE_ATTRS],
};

const ACTIONS: Record<RuleTableName, string[]> = {
  filter: [
    'accept',
    'drop',
    'reject',
    'jump',
    'return',
    'log',
    'passthrough',
    'add-src-to-address-list',
    'add-dst-to-address-list',
    'tarpit',
    'fasttrack-connection',
  ],
  nat: [
    'accept',
    'dst-nat',
    'src-nat',
    'masquerade',
    'redirect',
    'netmap',
    'same',
    'jump',
    'return',
    'log',
    'passthrough',
    'add-src-to-address-list',
    'add-dst-to-address-list',
    'endpoint-independent-nat',
  ],
  raw: [
    'accept',
    'drop',
    'jump',
    'return',
    'log',
    'passthrough',
    'add-src-to-address-list',
    'add-dst-to-address-list',
    'notrack',
  ],
};

const PROTOCOLS = new Set([
  'tcp',
  'udp',
  'icmp',
  'icmpv6',
  'gre',
  'ipsec-esp',
  'ipsec-ah',
  'igmp',
  'ospf',
  'sctp',
  'udp-lite',
  'ipv6-encap',
  'l2tp',
  'pim',
  'vrrp',
]);

const CONNECTION_STATES = new Set(['established', 'related', 'new', 'invalid', 'untracked']);

export interface RuleView {
  id: string;
  /** The rule's attributes as set (`chain`, `protocol`, `dst-port`, `action`, …), `disabled` as yes/no. */
  attrs: Readonly<Record<string, string>>;
  disabled: boolean;
}

export class RuleTable extends Table {
  protected readonly settable: ReadonlySet<string>;

  constructor(
    path: string,
    readonly kind: RuleTableName,
    private readonly layer7: Layer7Table,
  ) {
    super(path);
    this.settable = new Set(TABLE_ATTRS[kind]);
  }

  protected check(attrs: Map<string, string>, ctx: TableContext): void {
    const chain = attrs.get('chain');
    if (chain === undefined || chain === '') throw new TrapSignal('failure: chain not specified');
    const action = attrs.get('action') ?? 'accept';
    if (!ACTIONS[this.kind].includes(action))
      throw new TrapSignal('input does not match any value of action', 1);
    attrs.set('action', action);
    const protocol = attrs.get('protocol');
    if (protocol !== undefined) {
      const bare = protocol.replace(/^!/, '');
      const n = Number(bare);
      if (!PROTOCOLS.has(bare) && !(Number.isInteger(n) && n >= 0 && n <= 255 && bare !== '')) {
        throw new TrapSignal('input does not match any value of protocol', 1);
      }
    }
    for (const portAttr of ['dst-port', 'src-port', 'port']) {
      const ports = attrs.get(portAttr);
      if (ports === undefined) continue;
      if (
        !/^!?\d+(-\d+)?(,\d+(-\d+)?)*$/.test(ports) ||
        ports.match(/\d+/g)?.some((p) => Number(p) > 65535)
      ) {
        throw new TrapSignal(`invalid value for argument ${portAttr}`, 1);
      }
      if (!['tcp', 'udp', 'sctp', 'udp-lite'].includes(protocol ?? '')) {
        // RouterOS refuses ports without a protocol that has them.
        throw new TrapSignal('failure: dst-port can be set only with protocol tcp/udp/sctp/udp-lite/dccp');
      }
    }
    const states = attrs.get('connection-state');
    if (states !== undefined) {
      for (const s of states.replace(/^!/, '').split(',')) {
        if (!CONNECTION_STATES.has(s))
          throw new TrapSignal('input does not match any value of connection-state', 1);
      }
    }
    const packetSize = attrs.get('packet-size');
    if (packetSize !== undefined && !/^!?\d+(-\d+)?$/.test(packetSize)) {
      throw new TrapSignal('invalid value for argument packet-size', 1);
    }
    const l7 = attrs.get('layer7-protocol');
    if (l7 !== undefined && !this.layer7.byName(l7.replace(/^!/, ''), ctx)) {
      throw new TrapSignal('input does not match any value of layer7-protocol', 1);
    }
    if (action === 'jump' && !attrs.get('jump-target'))
      throw new TrapSignal('failure: jump-target not specified');
    if (
      (action === 'add-src-to-address-list' || action === 'add-dst-to-address-list') &&
      !attrs.get('address-list')
    ) {
      throw new TrapSignal('failure: address-list not specified');
    }
    const listTimeout = attrs.get('address-list-timeout');
    if (listTimeout !== undefined && listTimeout !== 'none-dynamic' && listTimeout !== 'none-static') {
      try {
        attrs.set('address-list-timeout', formatDuration(parseDuration(listTimeout)));
      } catch {
        throw new TrapSignal('invalid value for argument address-list-timeout', 1);
      }
    }
    const psd = attrs.get('psd');
    if (psd !== undefined && !/^\d+,\d+(\.\d+)?[a-z]*,\d+,\d+$/.test(psd)) {
      throw new TrapSignal('invalid value for argument psd', 1);
    }
    for (const flag of ['log']) {
      const v = attrs.get(flag);
      if (v !== undefined) attrs.set(flag, parseBool(v, flag));
    }
  }

  printRow(row: StoredRow): Map<string, string> {
    const out = new Map<string, string>();
    out.set('.id', formatId(row.id));
    out.set('chain', row.attrs.get('chain') ?? '');
    out.set('action', row.attrs.get('action') ?? 'accept');
    for (const [k, v] of row.attrs) {
      if (k === 'chain' || k === 'action' || k === 'disabled' || k === 'comment' || k === 'log') continue;
      out.set(k, v);
    }
    out.set('bytes', String(row.bytes));
    out.set('packets', String(row.packets));
    out.set('invalid', 'false');
    out.set('dynamic', 'false');
    out.set('disabled', this.boolField(row, 'disabled'));
    out.set('log', this.boolField(row, 'log'));
    out.set('log-prefix', row.attrs.get('log-prefix') ?? '');
    const comment = row.attrs.get('comment');
    if (comment !== undefined && comment !== '') out.set('comment', comment);
    return out;
  }

  /** Rules in evaluation order, for the packet engine. */
  list(ctx: TableContext): RuleView[] {
    return this.rows(ctx).map((r) => ({
      id: formatId(r.id),
      attrs: Object.fromEntries(r.attrs),
      disabled: r.attrs.get('disabled') === 'yes',
    }));
  }

  /** The engine counts a match on a rule (shows in `bytes`/`packets`). */
  countHit(id: string, bytes: number): void {
    const row = this.lookup(id);
    if (!row) return;
    row.packets += 1;
    row.bytes += bytes;
  }
}

export class Layer7Table extends Table {
  protected readonly settable = new Set(['name', 'regexp']);

  protected check(attrs: Map<string, string>, _ctx: TableContext, existing: StoredRow | null): void {
    const name = attrs.get('name');
    if (!name) throw new TrapSignal('failure: name not specified');
    const regexp = attrs.get('regexp') ?? '';
    try {
      new RegExp(regexp);
    } catch {
      throw new TrapSignal('invalid value for argument regexp', 1);
    }
    for (const other of this.rowsInOrder) {
      if (other !== existing && other.attrs.get('name') === name) {
        throw new TrapSignal('failure: already have such name');
      }
    }
  }

  protected lookup(ref: string): StoredRow | undefined {
    // Named items can be addressed by name in `.id` (RouterOS API manual, "Addressing entries").
    return super.lookup(ref) ?? this.rowsInOrder.find((r) => r.attrs.get('name') === ref);
  }

  byName(name: string, ctx: TableContext): { id: string; name: string; regexp: string } | undefined {
    const row = this.rows(ctx).find((r) => r.attrs.get('name') === name);
    return row && { id: formatId(row.id), name, regexp: row.attrs.get('regexp') ?? '' };
  }

  printRow(row: StoredRow): Map<string, string> {
    const out = new Map<string, string>();
    out.set('.id', formatId(row.id));
    out.set('name', row.attrs.get('name') ?? '');
    out.set('regexp', row.attrs.get('regexp') ?? '');
    out.set('disabled', this.boolField(row, 'disabled'));
    const comment = row.attrs.get('comment');
    if (comment !== undefined && comment !== '') out.set('comment', comment);
    return out;
  }

  list(ctx: TableContext): { id: string; name: string; regexp: string; disabled: boolean }[] {
    return this.rows(ctx).map((r) => ({
      id: formatId(r.id),
      name: r.attrs.get('name') ?? '',
      regexp: r.attrs.get('regexp') ?? '',
      disabled: r.attrs.get('disabled') === 'yes',
    }));
  }
}
