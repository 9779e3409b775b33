/**
 * Profile → ordered RouterOS rows (filter / nat / raw / layer7-protocol), each tagged
 * `comment=knockgate-profile:<id>:<n>`. Pure; the same list feeds the .rsc export, the apply planner
 * and the simulator's firewall engine.
 *
 * Chain input, top to bottom (ordering is the security argument, so it is spelled out):
 *   1. drop sources on the blacklist (unless the raw-table variant drops them in prerouting) —
 *      first, so that no knock rule below ever sees a blacklisted source;
 *   2. steps carried as data (HTTP GET, TCP/UDP payload), last step first — they must come before
 *      the established/related accept because their data travels in an already established
 *      connection (the seed's "needs extra logic");
 *   3. accept established,related (good practice 1);
 *   4. psd → blacklist, decoy ports → blacklist (good practice 7);
 *   5. the remaining steps, LAST STEP FIRST. A step adds the source to its stage list and the rule
 *      goes on (add-src-to-address-list is not terminal), so in forward order a packet that
 *      matched step k could also meet step k+1's rule in the same pass, now that it is on list k.
 *      In reverse order each packet advances at most one stage;
 *   6. accept the TCP handshake for data-carrying TCP steps (only from the previous stage);
 *   7. accept the protected service for the final list;
 *   8. the final drop (everything, or only the service).
 * Step k (k ≥ 2) requires `src-address-list=<prefix>-(k-1)`; the stage list's timeout is the gap, so
 * a stale stage has simply expired. A wrong knock adds nothing (and blacklists on a decoy port).
 */
import {
  canonicalDuration,
  httpGetContent,
  icmpPacketSize,
  icmpPatternRegexp,
  isContentStep,
  isTcpContentStep,
  type Profile,
  type Step,
  stageListName,
  stepGap,
  stepTransport,
  type ValidProfile,
} from './model';
import { profileTag, type Rule, type RuleTable } from './rule';

const FILTER: RuleTable = '/ip/firewall/filter';
const NAT: RuleTable = '/ip/firewall/nat';
const RAW: RuleTable = '/ip/firewall/raw';
const LAYER7: RuleTable = '/ip/firewall/layer7-protocol';

type Attrs = Record<string, string>;

export function icmpChainName(profile: Pick<Profile, 'stageListPrefix'>): string {
  return `${profile.stageListPrefix}-icmp`;
}

export function layer7Name(profile: Pick<Profile, 'stageListPrefix'>, stepNumber: number): string {
  return `${profile.stageListPrefix}-l7-${stepNumber}`;
}

function scopeAttrs(profile: Profile): Attrs {
  if (profile.scope.inInterface !== undefined) return { 'in-interface': profile.scope.inInterface };
  if (profile.scope.inInterfaceList !== undefined)
    return { 'in-interface-list': profile.scope.inInterfaceList };
  return {};
}

function stepMatch(profile: Profile, step: Step, stepNumber: number): Attrs {
  switch (step.kind) {
    case 'tcp':
    case 'udp':
      return { protocol: step.kind, 'dst-port': String(step.port) };
    case 'payload':
      return { protocol: step.protocol, 'dst-port': String(step.port), content: step.content };
    case 'http-get':
      return { protocol: 'tcp', 'dst-port': String(step.port), content: httpGetContent(step.path) };
    // icmp-options=8:0 = echo request only, so the router's own outgoing pings' replies never count.
    case 'icmp-size':
      return {
        protocol: 'icmp',
        'icmp-options': '8:0',
        'packet-size': String(icmpPacketSize(step.payloadSize)),
      };
    case 'icmp-pattern':
      return { protocol: 'icmp', 'icmp-options': '8:0', 'layer7-protocol': layer7Name(profile, stepNumber) };
  }
}

/** The add-src-to-address-list rule of step `index` (0-based) in the given chain. */
function stepRule(profile: Profile, index: number, chain: string, scoped: boolean): Attrs {
  const step = profile.steps[index]!;
  const stepNumber = index + 1;
  const isLast = index === profile.steps.length - 1;
  return {
    chain,
    action: 'add-src-to-address-list',
    ...stepMatch(profile, step, stepNumber),
    ...(index > 0 ? { 'src-address-list': stageListName(profile, index) } : {}),
    'address-list': isLast ? profile.finalList : stageListName(profile, stepNumber),
    'address-list-timeout': canonicalDuration(isLast ? profile.finalTimeout : stepGap(profile, step)),
    ...(scoped ? scopeAttrs(profile) : {}),
  };
}

function descending(count: number): number[] {
  return Array.from({ length: count }, (_, i) => count - 1 - i);
}

/** Ordered rules for a validated profile. Never throws. */
export function generateRules(profile: ValidProfile): Rule[] {
  const rules: Rule[] = [];
  const push = (table: RuleTable, attrs: Attrs) => rules.push({ table, attrs });
  const p: Profile = profile;
  const o = p.options;
  const scope = scopeAttrs(p);
  const service = p.service;
  const steps = p.steps;
  const order = descending(steps.length);
  const icmpChain = icmpChainName(p);
  const isIcmp = (i: number) => steps[i]!.kind === 'icmp-size' || steps[i]!.kind === 'icmp-pattern';

  // Layer7 definitions first: a filter rule cannot name a layer7-protocol that does not exist yet.
  steps.forEach((step, i) => {
    if (step.kind === 'icmp-pattern') {
      push(LAYER7, { name: layer7Name(p, i + 1), regexp: icmpPatternRegexp(step.pattern) });
    }
  });

  // Good practice 6: the raw table drops blacklisted sources before connection tracking.
  if (o.blacklist && o.rawBlacklist) {
    push(RAW, { chain: 'prerouting', action: 'drop', 'src-address-list': o.blacklist.list, ...scope });
  }

  // 1. blacklist
  if (o.blacklist && !o.rawBlacklist) {
    push(FILTER, { chain: 'input', action: 'drop', 'src-address-list': o.blacklist.list, ...scope });
  }
  // 2. data-carrying steps, last first
  for (const i of order) {
    if (isContentStep(steps[i]!)) push(FILTER, stepRule(p, i, 'input', true));
  }
  // 3. established/related
  if (o.acceptEstablished) {
    push(FILTER, { chain: 'input', action: 'accept', 'connection-state': 'established,related' });
  }
  // 4. port-scan protection and decoys
  if (o.blacklist && o.psd) {
    const { weightThreshold, delayThreshold, lowPortWeight, highPortWeight } = o.psd;
    const psd = `${weightThreshold},${canonicalDuration(delayThreshold)},${lowPortWeight},${highPortWeight}`;
    for (const protocol of ['tcp', 'udp'] as const) {
      push(FILTER, {
        chain: 'input',
        action: 'add-src-to-address-list',
        protocol,
        psd,
        'address-list': o.blacklist.list,
        'address-list-timeout': canonicalDuration(o.blacklist.timeout),
        ...scope,
      });
    }
  }
  if (o.blacklist) {
    for (const protocol of ['tcp', 'udp'] as const) {
      const ports = o.decoys.filter((d) => d.protocol === protocol).map((d) => d.port);
      if (ports.length === 0) continue;
      push(FILTER, {
        chain: 'input',
        action: 'add-src-to-address-list',
        protocol,
        'dst-port': ports.join(','),
        'address-list': o.blacklist.list,
        'address-list-timeout': canonicalDuration(o.blacklist.timeout),
        ...scope,
      });
    }
  }
  // 5. remaining steps, last first (ICMP ones in their own chain when asked: good practice 3)
  const useIcmpChain = o.customChains && steps.some((_, i) => isIcmp(i));
  for (const i of order) {
    if (isContentStep(steps[i]!) || (useIcmpChain && isIcmp(i))) continue;
    push(FILTER, stepRule(p, i, 'input', true));
  }
  if (useIcmpChain) {
    push(FILTER, { chain: 'input', action: 'jump', 'jump-target': icmpChain, protocol: 'icmp', ...scope });
  }
  // 6. handshake for data-carrying TCP steps: the data can only follow an accepted SYN.
  steps.forEach((step, i) => {
    if (!isTcpContentStep(step)) return;
    push(FILTER, {
      chain: 'input',
      action: 'accept',
      'connection-state': 'new',
      protocol: 'tcp',
      'dst-port': String(stepTransport(step)!.port),
      ...(i > 0 ? { 'src-address-list': stageListName(p, i) } : {}),
      ...scope,
    });
  });
  // 7 + 8. the protected service and the final drop
  if (service.kind === 'router') {
    const ports = service.ports.join(',');
    push(FILTER, {
      chain: 'input',
      action: 'accept',
      protocol: service.protocol,
      'dst-port': ports,
      'src-address-list': p.finalList,
      ...scope,
    });
    if (o.finalDrop === 'service') {
      push(FILTER, {
        chain: 'input',
        action: 'drop',
        protocol: service.protocol,
        'dst-port': ports,
        ...scope,
      });
    }
  } else if (service.kind === 'dstnat' && o.finalDrop === 'service') {
    // Unlisted sources are not dstnat-ed, so their packets reach the router itself: keep it silent.
    push(FILTER, {
      chain: 'input',
      action: 'drop',
      protocol: service.protocol,
      'dst-port': String(service.port),
      ...(service.dstAddress !== undefined ? { 'dst-address': service.dstAddress } : {}),
      ...scope,
    });
  }
  if (o.finalDrop === 'all') push(FILTER, { chain: 'input', action: 'drop', ...scope });

  // The ICMP chain's own rules (position in the table is irrelevant; order within the chain is not).
  if (useIcmpChain) {
    for (const i of order) {
      if (isIcmp(i)) push(FILTER, stepRule(p, i, icmpChain, false));
    }
  }

  // Forwarded service (good practice 5)
  if (service.kind === 'forward') {
    const target = {
      protocol: service.protocol,
      'dst-address': service.toAddress,
      'dst-port': String(service.toPort),
      'connection-nat-state': 'dstnat',
    };
    if (o.acceptEstablished) {
      push(FILTER, { chain: 'forward', action: 'accept', 'connection-state': 'established,related' });
    }
    push(FILTER, {
      chain: 'forward',
      action: 'accept',
      ...target,
      'src-address-list': p.finalList,
      ...scope,
    });
    if (o.finalDrop !== 'none') push(FILTER, { chain: 'forward', action: 'drop', ...target, ...scope });
  }
  if (service.kind === 'forward' || service.kind === 'dstnat') {
    push(NAT, {
      chain: 'dstnat',
      action: 'dst-nat',
      protocol: service.protocol,
      'dst-port': String(service.port),
      ...(service.dstAddress !== undefined ? { 'dst-address': service.dstAddress } : {}),
      // dstnat variant: only listed sources are forwarded at all; forward variant: the filter decides.
      ...(service.kind === 'dstnat' ? { 'src-address-list': p.finalList } : {}),
      'to-addresses': service.toAddress,
      'to-ports': String(service.toPort),
      ...scope,
    });
  }

  return rules.map((rule, i) => ({
    table: rule.table,
    attrs: { ...rule.attrs, comment: profileTag(p.id, i + 1) },
  }));
}

/** Names of every address list the profile's rules write to or read from. */
export function profileLists(profile: ValidProfile): {
  stages: string[];
  final: string;
  blacklist: string | null;
} {
  return {
    stages: profile.steps.slice(0, -1).map((_, i) => stageListName(profile, i + 1)),
    final: profile.finalList,
    blacklist: profile.options.blacklist?.list ?? null,
  };
}
