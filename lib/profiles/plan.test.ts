import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRules } from './generate';
import { describePlan, type Plan, planApply, planRemove, sameAttrValue, summarizePlan } from './plan';
import { isKnockgateComment, isOwnComment, type Rule, type RuleTable } from './rule';
import { foreignRowArb, ORDERED, validProfileArb } from './testing/arbitraries';
import { makeProfile } from './testing/factories';
import { type DurationStyle, RouterTableModel } from './testing/router-tables';

const FILTER: RuleTable = '/ip/firewall/filter';
const LAYER7: RuleTable = '/ip/firewall/layer7-protocol';

/** A RouterOS v7 default configuration's chain input, abbreviated. */
function defconfFilter(): Record<string, string>[] {
  return [
    {
      chain: 'input',
      action: 'accept',
      'connection-state': 'established,related,untracked',
      comment: 'defconf: accept established,related,untracked',
    },
    { chain: 'input', action: 'drop', 'connection-state': 'invalid', comment: 'defconf: drop invalid' },
    { chain: 'input', action: 'accept', protocol: 'icmp', comment: 'defconf: accept ICMP' },
    {
      chain: 'input',
      action: 'drop',
      'in-interface-list': '!LAN',
      comment: 'defconf: drop all not coming from LAN',
    },
    { chain: 'forward', action: 'drop', 'connection-state': 'invalid', comment: 'defconf: drop invalid' },
  ];
}

function mustPlan(result: ReturnType<typeof planApply>): Plan {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.plan;
}

function apply(router: RouterTableModel, profileId: string, desired: readonly Rule[]): Plan {
  const plan = mustPlan(planApply(profileId, desired, router.print()));
  router.applyPlan(plan);
  return plan;
}

describe('planApply on a default configuration', () => {
  const profile = makeProfile();
  const desired = generateRules(profile);

  it('inserts our rules, in order, right above the first admin drop of chain input', () => {
    const router = new RouterTableModel({ [FILTER]: defconfFilter() });
    const plan = apply(router, 'ssh', desired);
    expect(summarizePlan(plan)).toEqual({ add: desired.length, set: 0, move: 0, remove: 0 });
    const comments = router.config(FILTER).map((row) => row.comment);
    expect(comments).toEqual([
      'defconf: accept established,related,untracked',
      ...desired.map((rule) => rule.attrs.comment),
      'defconf: drop invalid',
      'defconf: accept ICMP',
      'defconf: drop all not coming from LAN',
      'defconf: drop invalid',
    ]);
  });

  it('is idempotent: the second plan is empty', () => {
    const router = new RouterTableModel({ [FILTER]: defconfFilter() });
    apply(router, 'ssh', desired);
    expect(mustPlan(planApply('ssh', desired, router.print())).ops).toEqual([]);
  });

  it('remove leaves exactly the pre-apply rule set (ids, order and content)', () => {
    const router = new RouterTableModel({ [FILTER]: defconfFilter() });
    const before = router.print();
    apply(router, 'ssh', desired);
    router.applyPlan(mustPlan(planRemove('ssh', router.print())));
    expect(router.print()).toEqual(before);
  });

  it('changes only the attribute that changed', () => {
    const router = new RouterTableModel({ [FILTER]: defconfFilter() });
    apply(router, 'ssh', desired);
    const longer = generateRules(makeProfile({ defaultGap: '30s' }));
    const plan = mustPlan(planApply('ssh', longer, router.print()));
    expect(plan.ops.map((op) => op.op)).toEqual(['set', 'set']);
    expect(
      plan.ops.every((op) => op.op === 'set' && Object.keys(op.attrs).join() === 'address-list-timeout'),
    ).toBe(true);
  });

  it('reads v6-style printed timeouts (00:00:15) as equal to 15s', () => {
    const router = new RouterTableModel({ [FILTER]: defconfFilter() }, 'v6');
    apply(router, 'ssh', desired);
    expect(router.print()[FILTER]!.some((row) => row['address-list-timeout'] === '00:00:15')).toBe(true);
    expect(mustPlan(planApply('ssh', desired, router.print())).ops).toEqual([]);
  });

  it('moves our rule back above the drop when an admin dragged it below', () => {
    const router = new RouterTableModel({ [FILTER]: defconfFilter() });
    apply(router, 'ssh', desired);
    const printed = router.print()[FILTER]!;
    const ours = printed.find((row) => row.comment === 'knockgate-profile:ssh:3')!;
    router.move(FILTER, ours['.id']!); // to the end, below every drop
    const plan = mustPlan(planApply('ssh', desired, router.print()));
    const dropInvalid = printed.find((row) => row.comment === 'defconf: drop invalid')!['.id'];
    const next = printed.find((row) => row.comment === 'knockgate-profile:ssh:4')!['.id'];
    expect(plan.ops).toEqual([
      { op: 'move', table: FILTER, tag: 'knockgate-profile:ssh:3', id: ours['.id'], before: next },
    ]);
    expect(dropInvalid).toBeDefined();
  });

  it('re-enables and cleans a rule of ours that someone edited; leaves an admin row between ours alone', () => {
    const router = new RouterTableModel({ [FILTER]: defconfFilter() });
    apply(router, 'ssh', desired);
    const printed = router.print()[FILTER]!;
    const ours = printed.find((row) => row.comment === 'knockgate-profile:ssh:2')!['.id']!;
    router.set(FILTER, ours, { disabled: 'true', log: 'yes', 'src-address': '10.0.0.0/8' });
    router.add(FILTER, { chain: 'input', action: 'accept', protocol: 'gre', comment: 'admin' }, ours);
    const plan = mustPlan(planApply('ssh', desired, router.print()));
    expect(plan.ops).toEqual([
      {
        op: 'set',
        table: FILTER,
        tag: 'knockgate-profile:ssh:2',
        id: ours,
        attrs: { disabled: 'false', log: 'false' },
        unset: ['src-address'],
        previous: { disabled: 'true', log: 'yes', 'src-address': '10.0.0.0/8' },
      },
    ]);
  });

  it('describes the dry run in plain lines', () => {
    const router = new RouterTableModel({ [FILTER]: defconfFilter() });
    const current = router.print();
    const text = describePlan(mustPlan(planApply('ssh', desired, current)), current);
    expect(text.split('\n')[0]).toBe(
      `Profile ssh: ${desired.length} to add, 0 to change, 0 to move, 0 to remove.`,
    );
    expect(text).toContain('/ip/firewall/filter');
    expect(text).toContain('+ add     knockgate-profile:ssh:1  chain=input');
    expect(text).toContain('(before *2 (input drop "defconf: drop invalid"))');
    router.applyPlan(mustPlan(planApply('ssh', desired, current)));
    expect(describePlan(mustPlan(planApply('ssh', desired, router.print())))).toBe(
      'Profile ssh: the router already matches; nothing to change.',
    );
  });
});

describe('planApply errors are values', () => {
  it('refuses rules that are not tagged for the profile', () => {
    const rules = generateRules(makeProfile({ id: 'other' }));
    expect(planApply('ssh', rules, {})).toMatchObject({ ok: false, error: { code: 'foreign_rule' } });
  });

  it('refuses a layer7 name an admin already uses', () => {
    const profile = makeProfile({
      steps: [
        { kind: 'tcp', port: 2022 },
        { kind: 'icmp-pattern', pattern: 'mikrotik' },
        { kind: 'tcp', port: 4022 },
      ],
    });
    const current = new RouterTableModel({ [LAYER7]: [{ name: 'ssh-knock-l7-2', regexp: 'x' }] }).print();
    expect(planApply('ssh', generateRules(profile), current)).toMatchObject({
      ok: false,
      error: { code: 'layer7_name_conflict' },
    });
  });

  it('refuses rows without .id', () => {
    const current = { [FILTER]: [{ chain: 'input', action: 'drop' }] };
    expect(planApply('ssh', generateRules(makeProfile()), current)).toMatchObject({
      ok: false,
      error: { code: 'missing_row_id' },
    });
  });
});

describe('sameAttrValue', () => {
  it('compares durations, psd and booleans as RouterOS means them', () => {
    expect(sameAttrValue('address-list-timeout', '1d2h', '1d 02:00:00')).toBe(true);
    expect(sameAttrValue('address-list-timeout', '15s', '00:00:16')).toBe(false);
    expect(sameAttrValue('psd', '21,3s,3,1', '21,00:00:03,3,1')).toBe(true);
    expect(sameAttrValue('disabled', 'false', 'no')).toBe(true);
    expect(sameAttrValue('dst-port', '22', '2022')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties with a router model: arbitrary admin rows, a stale earlier version of the profile in
// a scrambled state, then apply → re-plan must be empty and nothing foreign may change.

type Scenario = {
  desired: Rule[];
  router: RouterTableModel;
};

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    profile: validProfileArb('ssh'),
    previous: fc.option(validProfileArb('ssh'), { nil: undefined }),
    foreign: fc.record({
      filter: fc.array(foreignRowArb, { maxLength: 8 }),
      nat: fc.array(foreignRowArb, { maxLength: 4 }),
      raw: fc.array(foreignRowArb, { maxLength: 4 }),
    }),
    positions: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    mutations: fc.array(fc.constantFrom('keep', 'drop', 'timeout', 'log', 'disable', 'duplicate', 'stale'), {
      minLength: 40,
      maxLength: 40,
    }),
    style: fc.constantFrom<DurationStyle>('v7', 'v6'),
  })
  .map(({ profile, previous, foreign, positions, mutations, style }) => {
    const tables: Record<RuleTable, Record<string, string>[]> = {
      '/ip/firewall/filter': [...foreign.filter],
      '/ip/firewall/nat': [...foreign.nat],
      '/ip/firewall/raw': [...foreign.raw],
      '/ip/firewall/layer7-protocol': [{ name: 'admin-l7', regexp: 'admin' }],
    };
    // The earlier version of the profile, scrambled into the admin's rows.
    (previous ? generateRules(previous) : []).forEach((rule, i) => {
      const mutation = mutations[i] ?? 'keep';
      if (mutation === 'drop') return;
      const attrs = { ...rule.attrs };
      if (mutation === 'timeout' && attrs['address-list-timeout']) attrs['address-list-timeout'] = '7s';
      if (mutation === 'log') attrs.log = 'true';
      if (mutation === 'disable') attrs.disabled = 'true';
      if (mutation === 'stale') attrs.comment = 'knockgate-profile:ssh:999';
      const list = tables[rule.table];
      const insertAt = (n: number) => list.splice(n % (list.length + 1), 0, { ...attrs });
      if (rule.table === LAYER7) {
        if (mutation !== 'stale') list.push(attrs); // a router holds one layer7 of each name
        return;
      }
      insertAt(positions[i] ?? 0);
      if (mutation === 'duplicate') insertAt(positions[(i + 7) % positions.length] ?? 0);
    });
    return { desired: generateRules(profile), router: new RouterTableModel(tables, style) };
  });

function foreignRows(router: RouterTableModel, table: RuleTable) {
  const ids = router.ids(table);
  return router
    .config(table)
    .map((attrs, i) => ({ id: ids[i], attrs }))
    .filter(({ attrs }) => !isOwnComment(attrs.comment, 'ssh'));
}

describe('planner properties', () => {
  it('apply then plan again is empty; foreign rows keep ids, order and content; ours end in order above the anchor', () => {
    fc.assert(
      fc.property(scenarioArb, ({ desired, router }) => {
        const before = router.print();
        const foreignBefore = ORDERED.map((table) => foreignRows(router, table));
        const plan = mustPlan(planApply('ssh', desired, before));

        // Only rows of this profile are operands.
        for (const op of plan.ops) {
          if (op.op === 'add') continue;
          const row = before[op.table]!.find((r) => r['.id'] === op.id);
          expect(isOwnComment(row?.comment, 'ssh')).toBe(true);
        }

        router.applyPlan(plan);
        expect(mustPlan(planApply('ssh', desired, router.print())).ops).toEqual([]);
        expect(ORDERED.map((table) => foreignRows(router, table))).toEqual(foreignBefore);

        for (const table of [...ORDERED, LAYER7]) {
          const rows = router.config(table);
          const ours = rows.filter((row) => isOwnComment(row.comment, 'ssh'));
          const wanted = desired.filter((rule) => rule.table === table);
          expect(ours.length).toBe(wanted.length);
          for (const rule of wanted) {
            const row = ours.find((r) => r.comment === rule.attrs.comment)!;
            for (const [name, value] of Object.entries(rule.attrs)) {
              expect(sameAttrValue(name, value, row[name])).toBe(true);
            }
          }
          if (table === LAYER7) continue;
          for (const chain of new Set(wanted.map((rule) => rule.attrs.chain))) {
            const order = rows.map((row, index) => ({ row, index })).filter(({ row }) => row.chain === chain);
            const ourOrder = order.filter(({ row }) => isOwnComment(row.comment, 'ssh'));
            expect(ourOrder.map(({ row }) => row.comment)).toEqual(
              wanted.filter((rule) => rule.attrs.chain === chain).map((rule) => rule.attrs.comment),
            );
            const anchor = order.find(
              ({ row }) =>
                !isKnockgateComment(row.comment) && (row.action === 'drop' || row.action === 'reject'),
            );
            if (anchor) expect(ourOrder.at(-1)!.index).toBeLessThan(anchor.index);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('remove takes out exactly our rows, and then there is nothing left to remove', () => {
    fc.assert(
      fc.property(scenarioArb, ({ desired, router }) => {
        router.applyPlan(mustPlan(planApply('ssh', desired, router.print())));
        const foreign = [...ORDERED, LAYER7].map((table) => foreignRows(router, table));
        const plan = mustPlan(planRemove('ssh', router.print()));
        expect(plan.ops.every((op) => op.op === 'remove')).toBe(true);
        // layer7 protocols go last: the rules using them must be gone first.
        const firstL7 = plan.ops.findIndex((op) => op.table === LAYER7);
        if (firstL7 >= 0) expect(plan.ops.slice(firstL7).every((op) => op.table === LAYER7)).toBe(true);
        router.applyPlan(plan);
        expect([...ORDERED, LAYER7].map((table) => foreignRows(router, table))).toEqual(foreign);
        expect(
          [...ORDERED, LAYER7]
            .flatMap((table) => router.config(table))
            .some((row) => isOwnComment(row.comment, 'ssh')),
        ).toBe(false);
        expect(mustPlan(planRemove('ssh', router.print())).ops).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('applying one profile never disturbs another profile applied on the same router', () => {
    fc.assert(
      fc.property(validProfileArb('ssh'), validProfileArb('web'), (a, b) => {
        const router = new RouterTableModel({ [FILTER]: defconfFilter() });
        // Different stage prefixes so the two profiles could coexist on a real router.
        const rulesB = generateRules({ ...b, stageListPrefix: 'web-knock', finalList: 'web-allowed' });
        apply(router, 'ssh', generateRules(a));
        apply(router, 'web', rulesB);
        expect(mustPlan(planApply('ssh', generateRules(a), router.print())).ops).toEqual([]);
        expect(mustPlan(planApply('web', rulesB, router.print())).ops).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
