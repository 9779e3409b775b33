/**
 * The simulated router's state and command interpreter: users, tables, identity, resource, version.
 * Network concerns (login handshake, tags, `/cancel`, faults) live in sim/server.ts.
 */
import { createHash } from 'node:crypto';
import type { ParsedCommand } from '@/lib/routeros/codec';
import { formatDuration } from '@/lib/routeros/duration';
import type { AddressFamily } from './address';
import { type Clock, systemClock } from './clock';
import { compileQuery, QueryError } from './query';
import {
  AddressListTable,
  Layer7Table,
  type Resolver,
  RuleTable,
  type RuleTableName,
  type StoredRow,
  type Table,
  type TableContext,
  TrapSignal,
} from './tables';
import { formatRouterDate, type VersionInfo, versionInfo } from './version';

export type Policy = 'api' | 'read' | 'write' | 'reboot' | 'policy' | 'test' | 'sensitive';
const ALL_POLICIES: readonly Policy[] = ['reboot', 'read', 'write', 'policy', 'test', 'sensitive', 'api'];

export interface UserConfig {
  name: string;
  password: string;
  /** Defaults to full rights. A Knockgate router user needs only api, read, write. */
  policies?: Policy[];
}

export interface CommandResult {
  /** `!re` rows, produced lazily so a 100,000-row print is streamed in batches. */
  rows: Iterable<Map<string, string>>;
  done: Map<string, string> | null;
  trap: { message: string; category?: number } | null;
  /** 7.18+: a reply without rows starts with `!empty`. */
  empty: boolean;
  /** Close the session with `!fatal <reason>` after the reply. */
  fatal?: string;
  reboot?: boolean;
}

const WRITE_VERBS = new Set(['add', 'set', 'remove', 'enable', 'disable', 'move', 'unset']);

/** A resolver that never leaves the machine: names it was not told about have no addresses. */
export function staticResolver(answers: Record<string, string[]> = {}): Resolver & {
  set(name: string, addresses: string[]): void;
} {
  const table = new Map(Object.entries(answers).map(([k, v]) => [k.toLowerCase(), v]));
  const resolve = async (name: string, family: AddressFamily) =>
    (table.get(name.toLowerCase()) ?? []).filter((a) =>
      family === 'ip' ? !a.includes(':') : a.includes(':'),
    );
  return Object.assign(resolve, {
    set(name: string, addresses: string[]) {
      table.set(name.toLowerCase(), addresses);
    },
  });
}

export interface RouterStateOptions {
  version?: string;
  legacyLogin?: boolean;
  users?: UserConfig[];
  identity?: string;
  clock?: Clock;
  resolver?: Resolver;
}

export class RouterState {
  readonly clock: Clock;
  version: VersionInfo;
  identity: string;
  private bootedAt: number;
  private readonly users = new Map<string, Required<UserConfig>>();
  readonly ipAddressList: AddressListTable;
  readonly ipv6AddressList: AddressListTable;
  readonly layer7: Layer7Table;
  readonly filter: RuleTable;
  readonly nat: RuleTable;
  readonly raw: RuleTable;
  private readonly menus = new Map<string, Table>();
  private resolver: Resolver;

  constructor(options: RouterStateOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.version = versionInfo(options.version ?? '7.18', options.legacyLogin);
    this.identity = options.identity ?? 'MikroTik';
    this.bootedAt = this.clock.now();
    this.resolver = options.resolver ?? staticResolver();
    const resolve: Resolver = (name, family) => this.resolver(name, family);
    for (const user of options.users ?? [{ name: 'admin', password: '' }]) this.addUser(user);
    this.ipAddressList = new AddressListTable('/ip/firewall/address-list', 'ip', resolve);
    this.ipv6AddressList = new AddressListTable('/ipv6/firewall/address-list', 'ipv6', resolve);
    this.layer7 = new Layer7Table('/ip/firewall/layer7-protocol');
    this.filter = new RuleTable('/ip/firewall/filter', 'filter', this.layer7);
    this.nat = new RuleTable('/ip/firewall/nat', 'nat', this.layer7);
    this.raw = new RuleTable('/ip/firewall/raw', 'raw', this.layer7);
    for (const table of [
      this.ipAddressList,
      this.ipv6AddressList,
      this.layer7,
      this.filter,
      this.nat,
      this.raw,
    ]) {
      this.menus.set(table.path, table);
    }
  }

  get ctx(): TableContext {
    return { now: this.clock.now(), version: this.version };
  }

  setVersion(text: string, legacyLogin?: boolean): void {
    this.version = versionInfo(text, legacyLogin);
  }

  setResolver(resolver: Resolver): void {
    this.resolver = resolver;
  }

  addUser(user: UserConfig): void {
    this.users.set(user.name, {
      policies: ['api', 'read', 'write', 'reboot', 'policy', 'test', 'sensitive'],
      ...user,
    });
  }

  addressList(family: AddressFamily): AddressListTable {
    return family === 'ip' ? this.ipAddressList : this.ipv6AddressList;
  }

  rules(table: RuleTableName): RuleTable {
    return table === 'filter' ? this.filter : table === 'nat' ? this.nat : this.raw;
  }

  // ---- users (read-only: Knockgate's "Test connection" reads the API user's group policy) ----

  /**
   * RouterOS keeps policies on groups: `/user` names the group, `/user/group` lists its policies
   * with `!` in front of those it lacks. A full-rights user is in the built-in group `full`; any
   * other set of policies gets a group of its own, named after the user.
   */
  private groupOf(user: Required<UserConfig>): string {
    return ALL_POLICIES.every((p) => user.policies.includes(p)) ? 'full' : `${user.name}-group`;
  }

  private userRows(): Map<string, string>[] {
    let n = 0;
    return [...this.users.values()].map(
      (user) =>
        new Map([
          ['.id', `*${(++n).toString(16).toUpperCase()}`],
          ['name', user.name],
          ['group', this.groupOf(user)],
          ['address', ''],
          ['disabled', 'false'],
        ]),
    );
  }

  private groupRows(): Map<string, string>[] {
    const groups = new Map<string, Policy[]>([['full', [...ALL_POLICIES]]]);
    for (const user of this.users.values()) groups.set(this.groupOf(user), user.policies);
    let n = 0;
    return [...groups].map(
      ([name, policies]) =>
        new Map([
          ['.id', `*${(++n).toString(16).toUpperCase()}`],
          ['name', name],
          ['policy', ALL_POLICIES.map((p) => (policies.includes(p) ? p : `!${p}`)).join(',')],
        ]),
    );
  }

  // ---- login ----

  /** 6.43+ login: name and password in the clear (inside TLS on API-SSL). */
  checkPassword(name: string, password: string): Required<UserConfig> | null {
    const user = this.users.get(name);
    if (!user || user.password !== password || !user.policies.includes('api')) return null;
    return user;
  }

  /** Pre-6.43 login: response = "00" + md5(0x00 + password + challenge bytes). */
  checkChallenge(name: string, response: string, challengeHex: string): Required<UserConfig> | null {
    const user = this.users.get(name);
    if (!user?.policies.includes('api')) return null;
    const digest = createHash('md5')
      .update(
        Buffer.concat([
          Buffer.from([0]),
          Buffer.from(user.password, 'utf8'),
          Buffer.from(challengeHex, 'hex'),
        ]),
      )
      .digest('hex');
    return response.toLowerCase() === `00${digest}` ? user : null;
  }

  // ---- lifecycle ----

  /** A reboot loses everything dynamic (timeouts, resolved DNS children) and restarts uptime. */
  reboot(): void {
    for (const table of this.menus.values()) table.dropDynamic();
    this.bootedAt = this.clock.now();
    void this.refreshDns();
  }

  async refreshDns(): Promise<void> {
    await Promise.all([
      this.ipAddressList.refreshNames(this.ctx),
      this.ipv6AddressList.refreshNames(this.ctx),
    ]);
  }

  async dnsSettled(): Promise<void> {
    await Promise.all([this.ipAddressList.settled(), this.ipv6AddressList.settled()]);
  }

  uptimeSeconds(): number {
    return Math.max(0, Math.floor((this.clock.now() - this.bootedAt) / 1000));
  }

  // ---- commands ----

  execute(command: ParsedCommand, user: Required<UserConfig>): CommandResult {
    try {
      return this.dispatch(command, user);
    } catch (error) {
      if (error instanceof TrapSignal) return trap(error.message, error.category);
      if (error instanceof QueryError) return trap(error.message, 1);
      throw error;
    }
  }

  private dispatch(command: ParsedCommand, user: Required<UserConfig>): CommandResult {
    const path = command.command;
    const slash = path.lastIndexOf('/');
    const menu = path.slice(0, slash);
    const verb = path.slice(slash + 1);
    if (path === '/quit') return { ...done(), fatal: 'session terminated on request' };

    const needs = WRITE_VERBS.has(verb) || path === '/system/identity/set' ? 'write' : 'read';
    const allowed = (p: Policy) => user.policies.includes(p);

    if (menu === '/system/identity') {
      if (!allowed(needs)) return trap('not enough permissions (9)');
      if (verb === 'print' || verb === 'getall')
        return this.printFixed(command, [new Map([['name', this.identity]])]);
      if (verb === 'set') {
        const name = command.attributes.get('name');
        if (name === undefined || name === '') return trap('failure: name not specified');
        this.identity = name;
        return done();
      }
      return trap('no such command', 0);
    }
    if (menu === '/system/resource') {
      if (verb !== 'print' && verb !== 'getall') return trap('no such command', 0);
      if (!allowed('read')) return trap('not enough permissions (9)');
      return this.printFixed(command, [this.resource()]);
    }
    if (menu === '/user' || menu === '/user/group') {
      if (verb !== 'print' && verb !== 'getall') return trap('not enough permissions (9)');
      if (!allowed('read')) return trap('not enough permissions (9)');
      return this.printFixed(command, menu === '/user' ? this.userRows() : this.groupRows());
    }
    if (path === '/system/reboot') {
      if (!allowed('reboot')) return trap('not enough permissions (9)');
      return { ...done(), reboot: true };
    }

    const table = this.menus.get(menu);
    if (!table) return trap('no such command prefix', 0);
    if (!allowed(needs)) return trap('not enough permissions (9)');
    const ctx = this.ctx;
    const attrs = new Map(command.attributes);
    switch (verb) {
      case 'print':
      case 'getall':
        return this.print(table, command, ctx);
      case 'add': {
        const placeBefore = attrs.get('place-before');
        attrs.delete('place-before');
        if (placeBefore !== undefined && !(table instanceof RuleTable))
          return trap('unknown parameter place-before', 1);
        const row = table.add(attrs, ctx, placeBefore);
        return done([['ret', `*${row.id.toString(16).toUpperCase()}`]]);
      }
      case 'set': {
        const rows = table.find(takeIds(attrs), ctx);
        table.set(rows, attrs, ctx);
        return done();
      }
      case 'unset': {
        const rows = table.find(takeIds(attrs), ctx);
        const name = attrs.get('value-name');
        if (!name) return trap('failure: value-name not specified');
        for (const row of rows) row.attrs.delete(name);
        return done();
      }
      case 'remove':
        table.remove(table.find(takeIds(attrs), ctx), ctx);
        return done();
      case 'enable':
      case 'disable':
        table.set(
          table.find(takeIds(attrs), ctx),
          new Map([['disabled', verb === 'disable' ? 'yes' : 'no']]),
          ctx,
        );
        return done();
      case 'move': {
        if (!(table instanceof RuleTable)) return trap('no such command', 0);
        const rows = table.find(takeIds(attrs), ctx);
        const destination = attrs.get('destination');
        table.move(rows, destination ? (table.find(destination, ctx)[0] ?? null) : null);
        return done();
      }
      default:
        return trap('no such command', 0);
    }
  }

  private resource(): Map<string, string> {
    return new Map([
      ['uptime', formatDuration(Math.min(this.uptimeSeconds(), 21_474_836))],
      ['version', `${this.version.text} (stable)`],
      ['build-time', formatRouterDate(Date.UTC(2026, 0, 15, 10, 0, 0), this.version)],
      ['factory-software', '6.44.6'],
      ['free-memory', '201326592'],
      ['total-memory', '268435456'],
      ['cpu', 'simulated'],
      ['cpu-count', '2'],
      ['cpu-frequency', '1000'],
      ['cpu-load', '1'],
      ['free-hdd-space', '100663296'],
      ['total-hdd-space', '134217728'],
      ['architecture-name', 'x86_64'],
      ['board-name', 'knockgate-sim'],
      ['platform', 'MikroTik'],
    ]);
  }

  private print(table: Table, command: ParsedCommand, ctx: TableContext): CommandResult {
    // A snapshot of the row order: the reply shows the table as it was when the print began.
    let rows: readonly StoredRow[] = [...table.rows(ctx)];
    const from = command.attributes.get('from');
    if (from !== undefined && from !== '') {
      const wanted = new Set(table.find(from, ctx));
      rows = rows.filter((r) => wanted.has(r));
    }
    return this.printFixed(command, {
      *[Symbol.iterator]() {
        for (const r of rows) yield table.printRow(r, ctx);
      },
    });
  }

  private printFixed(command: ParsedCommand, printed: Iterable<Map<string, string>>): CommandResult {
    const matches = compileQuery(command.queries);
    if (command.attributes.has('count-only')) {
      let count = 0;
      for (const row of printed) if (matches(row)) count += 1;
      return done([['ret', String(count)]]);
    }
    const proplist = command.attributes.get('.proplist')?.split(',');
    const rows = {
      *[Symbol.iterator]() {
        for (const row of printed) {
          if (!matches(row)) continue;
          if (proplist === undefined) {
            yield row;
            continue;
          }
          const out = new Map<string, string>();
          for (const name of proplist) {
            const value = row.get(name);
            if (value !== undefined) out.set(name, value);
          }
          yield out;
        }
      },
    };
    return { rows, done: null, trap: null, empty: this.version.emptyReply };
  }
}

function takeIds(attrs: Map<string, string>): string {
  // librouteros sends `=.id=`; the console-style `=numbers=` is accepted too.
  const ids = attrs.get('.id') ?? attrs.get('numbers');
  attrs.delete('.id');
  attrs.delete('numbers');
  if (ids === undefined || ids === '') throw new TrapSignal('failure: no item specified', 1);
  return ids;
}

function done(attrs: [string, string][] = []): CommandResult {
  return { rows: [], done: new Map(attrs), trap: null, empty: false };
}

function trap(message: string, category?: number): CommandResult {
  return {
    rows: [],
    done: null,
    trap: category === undefined ? { message } : { message, category },
    empty: false,
  };
}
