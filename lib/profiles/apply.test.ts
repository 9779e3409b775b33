import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRouterClient, type RouterClient } from '@/lib/routeros';
import { type Simulator, startSimulator } from '@/sim';
import { applyRules, dryRunRemove, dryRunRules, removeRules } from './apply';
import { generateRules } from './generate';
import type { ValidProfile } from './model';
import { parseRsc } from './rsc';
import { isOwnComment, type Rule } from './rule';
import { SEED_PROFILES } from './seed-profiles';
import { makeProfile } from './testing/factories';

/**
 * Acceptance 3 through the real parts: our RouterOS client over TCP to the simulator, which stores
 * and orders the rows as RouterOS does (place-before, move, unset).
 */
let sim: Simulator;
let client: RouterClient;

beforeAll(async () => {
  sim = await startSimulator({ apiSslPort: null });
  client = createRouterClient({
    id: 'apply-test',
    host: '127.0.0.1',
    port: sim.apiPort,
    tls: false,
    username: 'admin',
    password: '',
    timeoutMs: 3_000,
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
  });
});
afterAll(async () => {
  await client.close();
  await sim.close();
});

const TABLES = ['filter', 'nat', 'raw'] as const;

/** Every row of the router's rule tables (id + configuration, in order), and the layer7 rows. */
function snapshot() {
  const ctx = sim.state.ctx;
  return {
    filter: sim.rules('filter').list(ctx),
    nat: sim.rules('nat').list(ctx),
    raw: sim.rules('raw').list(ctx),
    layer7: sim.state.layer7.list(ctx),
  };
}

function untagged(profileId: string) {
  const s = snapshot();
  return Object.fromEntries(
    TABLES.map((t) => [t, s[t].filter((r) => !isOwnComment(r.attrs.comment, profileId))]),
  );
}

function ours(table: (typeof TABLES)[number], profileId: string) {
  return snapshot()[table].filter((r) => isOwnComment(r.attrs.comment, profileId));
}

function addRow(table: 'filter' | 'nat' | 'raw', attrs: Record<string, string>) {
  sim.rules(table).add(new Map(Object.entries(attrs)), sim.state.ctx);
}

function clearTables() {
  const ctx = sim.state.ctx;
  for (const t of TABLES) {
    const rows = sim.rules(t).list(ctx);
    if (rows.length > 0) sim.rules(t).remove(sim.rules(t).find(rows.map((r) => r.id).join(','), ctx), ctx);
  }
  const l7 = sim.state.layer7.list(ctx);
  if (l7.length > 0) sim.state.layer7.remove(sim.state.layer7.find(l7.map((r) => r.id).join(','), ctx), ctx);
}

/** An admin's own configuration: rules before and after where ours go, in every table. */
function seedAdminRules() {
  addRow('filter', {
    chain: 'input',
    action: 'accept',
    'connection-state': 'established,related,untracked',
    comment: 'defconf: accept established,related,untracked',
  });
  addRow('filter', { chain: 'input', action: 'accept', protocol: 'icmp', comment: 'defconf: accept ICMP' });
  addRow('filter', {
    chain: 'input',
    action: 'drop',
    'in-interface-list': '!LAN',
    comment: 'defconf: drop all not coming from LAN',
  });
  addRow('filter', { chain: 'forward', action: 'fasttrack-connection', 'connection-state': 'established' });
  addRow('filter', { chain: 'input', action: 'accept', protocol: 'udp', 'dst-port': '53', log: 'yes' });
  addRow('nat', { chain: 'srcnat', action: 'masquerade', 'out-interface-list': 'WAN' });
  addRow('raw', { chain: 'prerouting', action: 'drop', 'src-address': '203.0.113.0/24' });
}

function writesIn(log: readonly string[]) {
  return log.filter((path) => /\/(add|set|unset|move|remove)$/.test(path));
}

afterEach(() => {
  sim.faults.reset();
  clearTables();
});

async function mustApply(profile: ValidProfile, rules: readonly Rule[] = generateRules(profile)) {
  const result = await applyRules(client, profile.id, rules);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('applyRules on the simulator over the API', () => {
  const profile = makeProfile({ id: 'seed-ssh', scope: {} });
  const desired = generateRules(profile);

  it('places our rules above the first admin drop; admin rows keep order and content', async () => {
    seedAdminRules();
    const before = untagged(profile.id);
    const report = await mustApply(profile);
    expect(report.summary).toEqual({ add: desired.length, set: 0, move: 0, remove: 0 });
    expect(report.executed).toBe(desired.length);
    expect(untagged(profile.id)).toEqual(before);
    const comments = snapshot().filter.map((r) => r.attrs.comment ?? '');
    expect(comments).toEqual([
      'defconf: accept established,related,untracked',
      'defconf: accept ICMP',
      ...desired.map((r) => r.attrs.comment),
      'defconf: drop all not coming from LAN',
      '',
      '',
    ]);
    // Stored exactly as generated (the router keeps the values it was given).
    expect(ours('filter', profile.id).map((r) => r.attrs)).toEqual(desired.map((r) => r.attrs));
  });

  it('is idempotent: a second apply plans nothing and sends no write command', async () => {
    seedAdminRules();
    await mustApply(profile);
    const first = snapshot();
    const logStart = sim.commandLog.length;
    const again = await mustApply(profile);
    expect(again.summary).toEqual({ add: 0, set: 0, move: 0, remove: 0 });
    expect(again.diff).toContain('nothing to change');
    expect(writesIn(sim.commandLog.slice(logStart))).toEqual([]);
    expect(snapshot()).toEqual(first);
  });

  it('repairs edits to our rules (changed, disabled, moved, deleted) without touching the admin rows', async () => {
    seedAdminRules();
    await mustApply(profile);
    const admin = untagged(profile.id);
    const ctx = sim.state.ctx;
    const mine = ours('filter', profile.id);
    const table = sim.rules('filter');
    table.set(table.find(mine[1]!.id, ctx), new Map([['dst-port', '4023']]), ctx);
    table.set(table.find(mine[2]!.id, ctx), new Map([['disabled', 'yes']]), ctx);
    table.set(table.find(mine[3]!.id, ctx), new Map([['log', 'yes']]), ctx);
    table.move(table.find(mine[0]!.id, ctx), null);
    table.remove(table.find(mine[4]!.id, ctx), ctx);

    const report = await mustApply(profile);
    expect(report.summary.set).toBe(3);
    expect(report.summary.add).toBe(1);
    expect(report.summary.move).toBeGreaterThanOrEqual(1);
    expect(ours('filter', profile.id).map((r) => r.attrs.comment)).toEqual(
      desired.map((r) => r.attrs.comment),
    );
    expect(ours('filter', profile.id).every((r) => !r.disabled)).toBe(true);
    expect(untagged(profile.id)).toEqual(admin);
    const dry = await dryRunRules(client, profile.id, desired);
    expect(dry.ok && dry.value.summary).toEqual({ add: 0, set: 0, move: 0, remove: 0 });
  });

  it('updates a changed profile in place and removes rows the new version no longer has', async () => {
    seedAdminRules();
    await mustApply(makeProfile({ id: 'seed-ssh', scope: {}, options: { finalDrop: 'all' } }));
    const admin = untagged(profile.id);
    const changed = makeProfile({
      id: 'seed-ssh',
      scope: {},
      steps: [
        { kind: 'tcp', port: 2022 },
        { kind: 'udp', port: 9191 },
        { kind: 'tcp', port: 4022 },
        { kind: 'udp', port: 7070 },
      ],
      options: { finalDrop: 'service' },
    });
    const report = await mustApply(changed);
    expect(report.summary.set).toBeGreaterThan(0);
    expect(ours('filter', profile.id).map((r) => r.attrs)).toEqual(
      generateRules(changed).map((r) => r.attrs),
    );
    expect(untagged(profile.id)).toEqual(admin);
  });

  it('remove leaves exactly the pre-apply rule set (ids, order, content), layer7 and nat included', async () => {
    seedAdminRules();
    const pristine = snapshot();
    const icmp = makeProfile({
      id: 'icmp-fwd',
      scope: { inInterfaceList: 'WAN' },
      steps: [
        { kind: 'tcp', port: 2022 },
        { kind: 'icmp-pattern', pattern: 'mikrotik' },
        { kind: 'tcp', port: 4022 },
      ],
      service: { kind: 'dstnat', protocol: 'tcp', port: 3389, toAddress: '192.168.88.10', toPort: 3389 },
      options: {
        customChains: true,
        rawBlacklist: true,
        blacklist: { list: 'bl' },
        psd: {},
        decoys: [{ port: 2021, protocol: 'tcp' }],
      },
    });
    const report = await mustApply(icmp);
    expect(report.summary.add).toBe(generateRules(icmp).length);
    expect(ours('nat', icmp.id)).toHaveLength(1);
    expect(ours('raw', icmp.id)).toHaveLength(1);
    expect(sim.state.layer7.list(sim.state.ctx).map((r) => r.name)).toEqual(['ssh-knock-l7-2']);

    const preview = await dryRunRemove(client, icmp.id);
    expect(preview.ok && preview.value.summary.remove).toBe(generateRules(icmp).length);
    const removed = await removeRules(client, icmp.id);
    expect(removed.ok).toBe(true);
    expect(snapshot()).toEqual(pristine);
    // Removing again is a no-op, not an error.
    const twice = await removeRules(client, icmp.id);
    expect(twice.ok && twice.value.executed).toBe(0);
  });

  it('never touches another profile sharing the router', async () => {
    seedAdminRules();
    const other = makeProfile({ id: 'other', scope: {}, stageListPrefix: 'other-knock' });
    await mustApply(other);
    const withOther = ours('filter', 'other');
    await mustApply(profile);
    await removeRules(client, profile.id);
    expect(ours('filter', 'other')).toEqual(withOther);
  });

  it('a connection lost in the middle leaves a state the next apply completes (no twins)', async () => {
    seedAdminRules();
    const admin = untagged(profile.id);
    // The first filter add is carried out, then the connection drops before the reply.
    sim.faults.set({ dropAfter: { command: 'filter/add', phase: 'after-apply', times: 1 } });
    const first = await applyRules(client, profile.id, desired);
    expect(first.ok).toBe(false);
    if (!first.ok) {
      expect(first.error.code).toBe('router_error');
      expect(first.error.routerCode).toBe('router_unreachable');
      expect(first.error.total).toBe(desired.length);
    }
    expect(ours('filter', profile.id).length).toBeGreaterThan(0);
    expect(ours('filter', profile.id).length).toBeLessThan(desired.length);

    const second = await mustApply(profile);
    expect(second.summary.add).toBe(desired.length - 1);
    expect(ours('filter', profile.id).map((r) => r.attrs)).toEqual(desired.map((r) => r.attrs));
    expect(untagged(profile.id)).toEqual(admin);
  });

  it('a router trap stops the run with a typed error and changes nothing else', async () => {
    seedAdminRules();
    const before = snapshot();
    const broken: Rule[] = [
      {
        table: '/ip/firewall/filter',
        attrs: { chain: 'input', action: 'accept', comment: 'knockgate-profile:x:1' },
      },
      {
        table: '/ip/firewall/filter',
        attrs: { chain: 'input', action: 'fly', comment: 'knockgate-profile:x:2' },
      },
    ];
    const result = await applyRules(client, 'x', broken);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'router_error', routerCode: 'router_trap', executed: 1, total: 2 },
    });
    expect(untagged('x')).toEqual(Object.fromEntries(TABLES.map((t) => [t, before[t]])));
    expect((await removeRules(client, 'x')).ok).toBe(true);
    expect(snapshot()).toEqual(before);
  });

  it('refuses to adopt a layer7 name that belongs to someone else', async () => {
    sim.state.layer7.add(
      new Map([
        ['name', 'ssh-knock-l7-2'],
        ['regexp', 'x'],
      ]),
      sim.state.ctx,
    );
    const p = makeProfile({
      id: 'pattern',
      scope: {},
      steps: [
        { kind: 'tcp', port: 2022 },
        { kind: 'icmp-pattern', pattern: 'mikrotik' },
        { kind: 'tcp', port: 4022 },
      ],
    });
    const result = await applyRules(client, p.id, generateRules(p));
    expect(result).toMatchObject({ ok: false, error: { code: 'layer7_name_conflict', executed: 0 } });
    expect(snapshot().filter).toEqual([]);
  });
});

describe('the golden .rsc files (acceptance 4) on a router', () => {
  for (const seed of SEED_PROFILES) {
    it(`${seed.golden}: parsed back, every row is accepted by the router and reads back unchanged`, async () => {
      const text = fs.readFileSync(new URL(`./golden/${seed.golden}`, import.meta.url), 'utf8');
      const parsed = parseRsc(text);
      if (!parsed.ok) throw new Error(parsed.error.message);
      const id = seed.profile.id;
      const result = await applyRules(client, id, parsed.rules);
      expect(result.ok, result.ok ? '' : result.error.message).toBe(true);
      const stored = [
        ...sim.state.layer7.list(sim.state.ctx).map((r) => ({ name: r.name, regexp: r.regexp })),
        ...TABLES.flatMap((t) => ours(t, id).map((r) => r.attrs)),
      ];
      const rows = parsed.rules.map((r) => r.attrs);
      expect(stored.length).toBe(rows.length);
      for (const row of rows) {
        const { comment: _comment, ...rest } = row;
        expect(stored).toContainEqual(expect.objectContaining(rest));
      }
      expect((await removeRules(client, id)).ok).toBe(true);
    });
  }
});
