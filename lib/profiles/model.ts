/**
 * Classic knock profile: what an admin designs in Admin › Knock profiles.
 *
 * The zod schema checks the shape; `profileErrors` adds the domain rules with stable codes and field
 * paths; `profileWarnings` flags the seed's bad practices (they never block saving). Everything here
 * is pure and browser-safe (no node: imports) so the editor can validate as the admin types.
 */
import { z } from 'zod';
// The duration module only (not the @/lib/routeros barrel): this file runs in the browser editor too.
import { formatDuration, parseDuration } from '@/lib/routeros/duration';
import { isProfileId } from './rule';

// ---------------------------------------------------------------------------------------------
// Shape

const gap = z.string().optional();
const transport = z.enum(['tcp', 'udp']);

const tcpStep = z.object({ kind: z.literal('tcp'), port: z.int(), gap });
const udpStep = z.object({ kind: z.literal('udp'), port: z.int(), gap });
/** `payloadSize` is what the client types: `ping -s 692` (Linux) / `ping -l 692` (Windows). */
const icmpSizeStep = z.object({ kind: z.literal('icmp-size'), payloadSize: z.int(), gap });
/** A literal text carried in the echo payload (`ping -p <hex>`), matched with a layer7 regexp. */
const icmpPatternStep = z.object({ kind: z.literal('icmp-pattern'), pattern: z.string(), gap });
/** Data inside a TCP or UDP segment, matched with `content=`. */
const payloadStep = z.object({
  kind: z.literal('payload'),
  protocol: transport,
  port: z.int(),
  content: z.string(),
  gap,
});
/** `curl http://router/mikrotik`: TCP to `port` whose data starts with `GET <path> HTTP/`. */
const httpGetStep = z.object({
  kind: z.literal('http-get'),
  port: z.int().default(80),
  path: z.string(),
  gap,
});

export const stepSchema = z.discriminatedUnion('kind', [
  tcpStep,
  udpStep,
  icmpSizeStep,
  icmpPatternStep,
  payloadStep,
  httpGetStep,
]);

/** A port of the router itself (chain input), e.g. SSH 22 or Winbox 8291. */
const routerService = z.object({
  kind: z.literal('router'),
  protocol: transport.default('tcp'),
  ports: z.array(z.int()),
});
/** Forwarded service; the seed's two ways: dstnat only for listed sources, or filter chain forward. */
const natServiceFields = {
  protocol: transport.default('tcp'),
  /** Port the client connects to on the router's public address. */
  port: z.int(),
  toAddress: z.string(),
  toPort: z.int(),
  /** Router's public address; optional when an in-interface scope is set. */
  dstAddress: z.string().optional(),
};
const dstnatService = z.object({ kind: z.literal('dstnat'), ...natServiceFields });
const forwardService = z.object({ kind: z.literal('forward'), ...natServiceFields });

export const serviceSchema = z.discriminatedUnion('kind', [routerService, dstnatService, forwardService]);

const optionsSchema = z.object({
  /** Good practice 1. */
  acceptEstablished: z.boolean().default(true),
  /**
   * `all`: the seed's last rule, drop everything else in chain input (scope it to the WAN side!);
   * `service`: drop only the protected service for everyone not on the final list;
   * `none`: rely on the admin's own drop rule (our rules are placed before it).
   */
  finalDrop: z.enum(['all', 'service', 'none']).default('service'),
  /** Good practice 3: ICMP steps live in their own chain, reached by one jump for protocol=icmp. */
  customChains: z.boolean().default(false),
  /** Where port-scan protection and decoy ports put offenders; every knock ignores listed sources. */
  blacklist: z.object({ list: z.string(), timeout: z.string().default('1d') }).optional(),
  /** Good practice 7: RouterOS `psd=WeightThreshold,DelayThreshold,LowPortWeight,HighPortWeight`. */
  psd: z
    .object({
      weightThreshold: z.int().default(21),
      delayThreshold: z.string().default('3s'),
      lowPortWeight: z.int().default(3),
      highPortWeight: z.int().default(1),
    })
    .optional(),
  /** Ports next to the real ones: touching one blacklists the source (a wrong knock is punished). */
  decoys: z.array(z.object({ port: z.int(), protocol: transport })).default([]),
  /** Good practice 6: drop blacklisted sources in /ip/firewall/raw (before connection tracking). */
  rawBlacklist: z.boolean().default(false),
});

const scopeSchema = z.object({
  inInterface: z.string().optional(),
  inInterfaceList: z.string().optional(),
});

const rotationSchema = z.object({
  /** Length of one window; ports change at each window boundary (TOTP-style). */
  period: z.string().default('5m'),
  portMin: z.int().default(10_000),
  portMax: z.int().default(65_000),
});

export const profileShapeSchema = z.object({
  id: z.string(),
  name: z.string(),
  steps: z.array(stepSchema),
  /** Gap allowed between a step and the next one, unless the step sets its own. */
  defaultGap: z.string().default('15s'),
  /** Stage lists are `<prefix>-1` … `<prefix>-(n-1)`; per profile so sequences never mix. */
  stageListPrefix: z.string(),
  /** The list that grants access; web knocks may feed the same list. */
  finalList: z.string(),
  finalTimeout: z.string().default('1h'),
  service: serviceSchema,
  /** Limits knock, psd, decoy, drop and NAT rules to traffic entering here (e.g. the WAN list). */
  scope: scopeSchema.prefault({}),
  options: optionsSchema.prefault({}),
  /** Rotating sequence: the tcp/udp step ports are derived from a secret and the time window. */
  rotation: rotationSchema.optional(),
  /** Good practice 10: the admin confirms the knock is not the only protection of the service. */
  notOnlyLayerAcknowledged: z.boolean().default(false),
});

export type Step = z.output<typeof stepSchema>;
export type StepKind = Step['kind'];
export type ProtectedService = z.output<typeof serviceSchema>;
export type ProfileOptions = z.output<typeof optionsSchema>;
export type Profile = z.output<typeof profileShapeSchema>;
export type ProfileInput = z.input<typeof profileShapeSchema>;

declare const validProfileBrand: unique symbol;
/** A profile that passed `validateProfile`; the generator only accepts these. */
export type ValidProfile = Profile & { readonly [validProfileBrand]: true };

// ---------------------------------------------------------------------------------------------
// Issues

export const PROFILE_ERROR_CODES = [
  'invalid_field',
  'invalid_profile_id',
  'invalid_name',
  'no_steps',
  'too_many_steps',
  'port_out_of_range',
  'duplicate_step',
  'step_on_protected_port',
  'invalid_icmp_size',
  'invalid_icmp_pattern',
  'invalid_content',
  'invalid_http_path',
  'invalid_duration',
  'timeout_out_of_range',
  'invalid_list_name',
  'list_name_collision',
  'invalid_interface',
  'scope_conflict',
  'invalid_address',
  'nat_scope_required',
  'duplicate_service_port',
  'too_many_ports',
  'decoy_conflict',
  'duplicate_decoy',
  'blacklist_required',
  'invalid_psd',
  'rotation_without_port_steps',
  'rotation_range_too_small',
] as const;
export type ProfileErrorCode = (typeof PROFILE_ERROR_CODES)[number];

export const PROFILE_WARNING_CODES = [
  'starts_with_icmp',
  'short_sequence',
  'no_final_drop',
  'no_established_accept',
  'only_layer_unacknowledged',
  'no_scan_protection',
  'final_drop_unscoped',
  'content_needs_handshake',
  'icmp_size_fragments',
  'last_step_gap_ignored',
  'sequential_ports',
] as const;
export type ProfileWarningCode = (typeof PROFILE_WARNING_CODES)[number];

export type ProfileIssue<C extends string = ProfileErrorCode | ProfileWarningCode> = {
  code: C;
  /** Field path in the profile, e.g. `['steps', 1, 'port']`, for the editor to highlight. */
  path: (string | number)[];
  message: string;
};

export type ValidationResult =
  | { ok: true; profile: ValidProfile; warnings: ProfileIssue<ProfileWarningCode>[] }
  | { ok: false; errors: ProfileIssue<ProfileErrorCode>[]; warnings: ProfileIssue<ProfileWarningCode>[] };

// ---------------------------------------------------------------------------------------------
// Limits and helpers the editor also shows

export const MAX_STEPS = 10;
/** RouterOS accepts at most 15 ports (or ranges) in one `dst-port` list. */
export const MAX_PORTS_PER_RULE = 15;
/** IP (20) + ICMP (8) headers: `ping -s 692` produces a 720-byte packet (seed slide "Ping (ICMP)"). */
export const ICMP_HEADER_OVERHEAD = 28;
export const MAX_ICMP_PAYLOAD = 65_507;
/** iputils `ping -p` fills the payload with at most 16 pattern bytes. */
export const MAX_ICMP_PATTERN_BYTES = 16;
export const MIN_TIMEOUT_MS = 1_000;
export const MAX_GAP_MS = 86_400_000;
/** Largest address-list timeout RouterOS stores (35w3d13:13:56, 2^31 centiseconds). */
export const MAX_LIST_TIMEOUT_MS = 21_474_836_000;

const LIST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
/** Leaves room for `-<n>`, `-icmp`, `-l7-<n>` suffixes that derive chain/list/layer7 names. */
const MAX_STAGE_PREFIX = 48;
const INTERFACE_NAME = /^!?[A-Za-z0-9_][A-Za-z0-9_.:/+-]{0,62}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Milliseconds of a RouterOS time (`15s`, `1h30m`, `00:01:00`, `90`), or null when it is not one. */
export function durationMs(text: string): number | null {
  try {
    return Math.round(parseDuration(text) * 1000);
  } catch {
    return null;
  }
}

/** The form RouterOS prints (`15s`, `1h30m`); the input unchanged when it is not a duration. */
export function canonicalDuration(text: string): string {
  const ms = durationMs(text);
  return ms === null ? text : formatMs(ms);
}

function formatMs(ms: number): string {
  return formatDuration(ms / 1000);
}

export function icmpPacketSize(payloadSize: number): number {
  return payloadSize + ICMP_HEADER_OVERHEAD;
}

/** The `ping -p` argument: "mikrotik" → "6d696b726f74696b". */
export function icmpPatternHex(pattern: string): string {
  return Array.from(new TextEncoder().encode(pattern), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Layer7 regexp matching the literal pattern (POSIX ERE metacharacters escaped). */
export function icmpPatternRegexp(pattern: string): string {
  return pattern.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}

export function httpGetContent(path: string): string {
  // The trailing " HTTP/" pins the exact path: `content=` is a substring match, so without it
  // "GET /mikrotik" would also match "GET /mikrotik-anything".
  return `GET ${path} HTTP/`;
}

export function stageListName(profile: Pick<Profile, 'stageListPrefix'>, step: number): string {
  return `${profile.stageListPrefix}-${step}`;
}

/** The protocol and port a step's packets use, or null for ICMP steps. */
export function stepTransport(step: Step): { protocol: 'tcp' | 'udp'; port: number } | null {
  switch (step.kind) {
    case 'tcp':
    case 'udp':
      return { protocol: step.kind, port: step.port };
    case 'payload':
      return { protocol: step.protocol, port: step.port };
    case 'http-get':
      return { protocol: 'tcp', port: step.port };
    default:
      return null;
  }
}

/** Steps whose knock is data inside an established TCP connection (seed: "needs extra logic"). */
export function isTcpContentStep(step: Step): boolean {
  return step.kind === 'http-get' || (step.kind === 'payload' && step.protocol === 'tcp');
}

/** Steps matched on `content=` (TCP or UDP data) rather than on the first packet. */
export function isContentStep(step: Step): boolean {
  return step.kind === 'http-get' || step.kind === 'payload';
}

/** Two steps with the same key can be matched by one packet, so the sequence would be ambiguous. */
function stepKey(step: Step): string {
  const t = stepTransport(step);
  if (t) return `${t.protocol}:${t.port}`;
  if (step.kind === 'icmp-size') return `icmp-size:${step.payloadSize}`;
  if (step.kind === 'icmp-pattern') return `icmp-pattern:${step.pattern}`;
  return step.kind;
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'tcp':
      return `TCP port ${step.port}`;
    case 'udp':
      return `UDP port ${step.port}`;
    case 'icmp-size':
      return `ping -s ${step.payloadSize} (packet-size ${icmpPacketSize(step.payloadSize)})`;
    case 'icmp-pattern':
      return `ping -p ${icmpPatternHex(step.pattern)} ("${step.pattern}")`;
    case 'payload':
      return `${step.protocol.toUpperCase()} port ${step.port} with data "${step.content}"`;
    case 'http-get':
      return `HTTP GET ${step.path} on port ${step.port}`;
  }
}

/** The ports of the protected service as seen by a client (the router's own or the public NAT port). */
export function serviceClientPorts(service: ProtectedService): { protocol: 'tcp' | 'udp'; ports: number[] } {
  return service.kind === 'router'
    ? { protocol: service.protocol, ports: service.ports }
    : { protocol: service.protocol, ports: [service.port] };
}

/** Effective gap after step `index` (0-based): its own, or the profile default. */
export function stepGap(profile: Pick<Profile, 'defaultGap'>, step: Step): string {
  return step.gap ?? profile.defaultGap;
}

// ---------------------------------------------------------------------------------------------
// Validation

type Path = (string | number)[];

class IssueList<C extends string> {
  readonly items: ProfileIssue<C>[] = [];
  add(code: C, path: Path, message: string): void {
    this.items.push({ code, path, message });
  }
}

function checkPort(errors: IssueList<ProfileErrorCode>, port: number, path: Path): boolean {
  if (port >= 1 && port <= 65_535) return true;
  errors.add('port_out_of_range', path, `Port ${port} is outside 1–65535.`);
  return false;
}

function checkDuration(
  errors: IssueList<ProfileErrorCode>,
  text: string,
  path: Path,
  minMs: number,
  maxMs: number,
  what: string,
): number | null {
  const ms = durationMs(text);
  if (ms === null) {
    errors.add(
      'invalid_duration',
      path,
      `${what} "${text}" is not a RouterOS time such as 15s, 1h30m or 00:01:00.`,
    );
    return null;
  }
  if (ms < minMs || ms > maxMs) {
    errors.add(
      'timeout_out_of_range',
      path,
      `${what} ${formatMs(ms)} must be between ${formatMs(minMs)} and ${formatMs(maxMs)}.`,
    );
    return null;
  }
  return ms;
}

function checkListName(errors: IssueList<ProfileErrorCode>, name: string, path: Path, maxLength = 63): void {
  if (!LIST_NAME.test(name) || name.length > maxLength) {
    errors.add(
      'invalid_list_name',
      path,
      `"${name}" is not a usable address-list name: use letters, digits, "_", "." and "-" (at most ${maxLength} characters).`,
    );
  }
}

/** Domain rules on a profile whose shape already parsed. Empty array = valid. */
export function profileErrors(p: Profile): ProfileIssue<ProfileErrorCode>[] {
  const errors = new IssueList<ProfileErrorCode>();

  if (!isProfileId(p.id)) {
    errors.add(
      'invalid_profile_id',
      ['id'],
      'The id must be 1–64 letters, digits, "_" or "-" (no ":" or spaces).',
    );
  }
  // Unicode is fine in a display name; control characters are not.
  if (p.name.trim() === '' || p.name.length > 100 || /\p{Cc}/u.test(p.name)) {
    errors.add('invalid_name', ['name'], 'The name must be 1–100 printable characters.');
  }

  // Steps ---------------------------------------------------------------------------------------
  if (p.steps.length === 0) errors.add('no_steps', ['steps'], 'A profile needs at least one knock step.');
  if (p.steps.length > MAX_STEPS) {
    errors.add('too_many_steps', ['steps'], `At most ${MAX_STEPS} steps are supported.`);
  }
  const seen = new Map<string, number>();
  p.steps.forEach((step, i) => {
    const at: Path = ['steps', i];
    const t = stepTransport(step);
    if (t) checkPort(errors, t.port, [...at, 'port']);
    if (step.gap !== undefined)
      checkDuration(errors, step.gap, [...at, 'gap'], MIN_TIMEOUT_MS, MAX_GAP_MS, 'Gap');
    switch (step.kind) {
      case 'icmp-size':
        if (step.payloadSize < 0 || step.payloadSize > MAX_ICMP_PAYLOAD) {
          errors.add(
            'invalid_icmp_size',
            [...at, 'payloadSize'],
            `Ping payload ${step.payloadSize} must be 0–${MAX_ICMP_PAYLOAD} bytes (packet-size = payload + 28).`,
          );
        }
        break;
      case 'icmp-pattern':
        if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(step.pattern) || step.pattern.length > MAX_ICMP_PATTERN_BYTES) {
          errors.add(
            'invalid_icmp_pattern',
            [...at, 'pattern'],
            `The ping pattern must be 1–${MAX_ICMP_PATTERN_BYTES} printable ASCII characters (ping -p sends at most 16 bytes).`,
          );
        }
        break;
      case 'payload':
        if (!PRINTABLE_ASCII.test(step.content) || step.content.length > 64) {
          errors.add(
            'invalid_content',
            [...at, 'content'],
            'The payload must be 1–64 printable ASCII characters.',
          );
        }
        break;
      case 'http-get':
        if (!/^\/[\x21-\x7e]{0,127}$/.test(step.path)) {
          errors.add(
            'invalid_http_path',
            [...at, 'path'],
            'The path must start with "/" and contain no spaces (at most 128 characters).',
          );
        }
        break;
    }
    const key = stepKey(step);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
    } else {
      errors.add(
        'duplicate_step',
        at,
        `Step ${i + 1} matches the same packets as step ${first + 1} (${describeStep(step)}); one packet would count for both.`,
      );
    }
  });

  // Timeouts and names --------------------------------------------------------------------------
  checkDuration(errors, p.defaultGap, ['defaultGap'], MIN_TIMEOUT_MS, MAX_GAP_MS, 'Gap');
  checkDuration(errors, p.finalTimeout, ['finalTimeout'], MIN_TIMEOUT_MS, MAX_LIST_TIMEOUT_MS, 'Access time');
  checkListName(errors, p.stageListPrefix, ['stageListPrefix'], MAX_STAGE_PREFIX);
  checkListName(errors, p.finalList, ['finalList']);
  const stageLists = new Set(p.steps.slice(0, -1).map((_, i) => stageListName(p, i + 1)));
  if (stageLists.has(p.finalList)) {
    errors.add('list_name_collision', ['finalList'], `The final list "${p.finalList}" is also a stage list.`);
  }
  const bl = p.options.blacklist;
  if (bl) {
    checkListName(errors, bl.list, ['options', 'blacklist', 'list']);
    checkDuration(
      errors,
      bl.timeout,
      ['options', 'blacklist', 'timeout'],
      MIN_TIMEOUT_MS,
      MAX_LIST_TIMEOUT_MS,
      'Blacklist time',
    );
    if (bl.list === p.finalList || stageLists.has(bl.list)) {
      errors.add(
        'list_name_collision',
        ['options', 'blacklist', 'list'],
        `The blacklist "${bl.list}" must differ from the final and stage lists.`,
      );
    }
  }

  // Scope ---------------------------------------------------------------------------------------
  const { inInterface, inInterfaceList } = p.scope;
  if (inInterface !== undefined && !INTERFACE_NAME.test(inInterface)) {
    errors.add(
      'invalid_interface',
      ['scope', 'inInterface'],
      `"${inInterface}" is not a usable interface name.`,
    );
  }
  if (inInterfaceList !== undefined && !INTERFACE_NAME.test(inInterfaceList)) {
    errors.add(
      'invalid_interface',
      ['scope', 'inInterfaceList'],
      `"${inInterfaceList}" is not a usable interface-list name.`,
    );
  }
  if (inInterface !== undefined && inInterfaceList !== undefined) {
    errors.add('scope_conflict', ['scope'], 'Choose either an interface or an interface list, not both.');
  }

  // Service -------------------------------------------------------------------------------------
  const s = p.service;
  if (s.kind === 'router') {
    if (s.ports.length === 0 || s.ports.length > MAX_PORTS_PER_RULE) {
      errors.add('too_many_ports', ['service', 'ports'], `Protect 1–${MAX_PORTS_PER_RULE} ports.`);
    }
    const ports = new Set<number>();
    s.ports.forEach((port, i) => {
      checkPort(errors, port, ['service', 'ports', i]);
      if (ports.has(port))
        errors.add('duplicate_service_port', ['service', 'ports', i], `Port ${port} is listed twice.`);
      ports.add(port);
    });
  } else {
    checkPort(errors, s.port, ['service', 'port']);
    checkPort(errors, s.toPort, ['service', 'toPort']);
    if (!IPV4.test(s.toAddress)) {
      errors.add('invalid_address', ['service', 'toAddress'], `"${s.toAddress}" is not an IPv4 address.`);
    }
    if (s.dstAddress !== undefined && !IPV4.test(s.dstAddress)) {
      errors.add('invalid_address', ['service', 'dstAddress'], `"${s.dstAddress}" is not an IPv4 address.`);
    }
    // An unscoped dstnat also rewrites the LAN's own outgoing traffic to that port.
    if (s.dstAddress === undefined && inInterface === undefined && inInterfaceList === undefined) {
      errors.add(
        'nat_scope_required',
        ['service', 'dstAddress'],
        'A forwarded service needs the public address or an in-interface scope, or the dstnat would also catch LAN traffic.',
      );
    }
  }
  const service = serviceClientPorts(s);
  const serviceKeys = new Set(service.ports.map((port) => `${service.protocol}:${port}`));
  p.steps.forEach((step, i) => {
    const t = stepTransport(step);
    if (t && serviceKeys.has(`${t.protocol}:${t.port}`)) {
      errors.add(
        'step_on_protected_port',
        ['steps', i, 'port'],
        `Step ${i + 1} knocks on the protected service port ${t.port}; pick a closed port.`,
      );
    }
  });

  // Decoys, psd, blacklist ----------------------------------------------------------------------
  const o = p.options;
  const stepKeys = new Set(p.steps.map(stepKey));
  const decoyKeys = new Set<string>();
  const perProtocol = { tcp: 0, udp: 0 };
  o.decoys.forEach((decoy, i) => {
    const at: Path = ['options', 'decoys', i];
    checkPort(errors, decoy.port, [...at, 'port']);
    const key = `${decoy.protocol}:${decoy.port}`;
    if (stepKeys.has(key) || serviceKeys.has(key)) {
      errors.add('decoy_conflict', at, `Decoy ${key} is a knock step or the protected service.`);
    }
    if (decoyKeys.has(key)) errors.add('duplicate_decoy', at, `Decoy ${key} is listed twice.`);
    decoyKeys.add(key);
    perProtocol[decoy.protocol] += 1;
  });
  if (perProtocol.tcp > MAX_PORTS_PER_RULE || perProtocol.udp > MAX_PORTS_PER_RULE) {
    errors.add(
      'too_many_ports',
      ['options', 'decoys'],
      `At most ${MAX_PORTS_PER_RULE} decoy ports per protocol.`,
    );
  }
  if ((o.psd || o.decoys.length > 0 || o.rawBlacklist) && !o.blacklist) {
    errors.add(
      'blacklist_required',
      ['options', 'blacklist'],
      'Port-scan protection, decoy ports and the raw-table variant need a blacklist list.',
    );
  }
  if (o.psd) {
    const { weightThreshold, lowPortWeight, highPortWeight, delayThreshold } = o.psd;
    const weightsOk =
      weightThreshold >= 1 &&
      weightThreshold <= 65_535 &&
      lowPortWeight >= 0 &&
      lowPortWeight <= 255 &&
      highPortWeight >= 0 &&
      highPortWeight <= 255;
    if (!weightsOk) {
      errors.add('invalid_psd', ['options', 'psd'], 'psd weights: threshold 1–65535, port weights 0–255.');
    }
    checkDuration(
      errors,
      delayThreshold,
      ['options', 'psd', 'delayThreshold'],
      1_000,
      3_600_000,
      'psd delay',
    );
  }

  // Rotation ------------------------------------------------------------------------------------
  if (p.rotation) {
    const r = p.rotation;
    checkDuration(errors, r.period, ['rotation', 'period'], 30_000, 86_400_000, 'Rotation period');
    const rotating = p.steps.filter((step) => step.kind === 'tcp' || step.kind === 'udp').length;
    if (rotating === 0) {
      errors.add(
        'rotation_without_port_steps',
        ['rotation'],
        'Rotation changes TCP/UDP step ports; this profile has none.',
      );
    }
    const okBounds =
      checkPort(errors, r.portMin, ['rotation', 'portMin']) &&
      checkPort(errors, r.portMax, ['rotation', 'portMax']);
    // Leave plenty of room so that excluded ports (service, decoys, fixed steps) never exhaust it.
    if (okBounds && r.portMax - r.portMin + 1 < Math.max(64, rotating * 8 + o.decoys.length + 16)) {
      errors.add(
        'rotation_range_too_small',
        ['rotation'],
        'The rotation port range is too small; use at least 64 ports.',
      );
    }
  }

  return errors.items;
}

/** The seed's bad practices and other traps. Never blocking. */
export function profileWarnings(p: Profile): ProfileIssue<ProfileWarningCode>[] {
  const warnings = new IssueList<ProfileWarningCode>();
  const first = p.steps[0];
  if (first && (first.kind === 'icmp-size' || first.kind === 'icmp-pattern')) {
    warnings.add(
      'starts_with_icmp',
      ['steps', 0],
      'Good practice 9: do not start with ICMP (ping); a stray ping must not begin the sequence.',
    );
  }
  if (p.steps.length > 0 && p.steps.length < 3) {
    warnings.add('short_sequence', ['steps'], 'Fewer than 3 steps is easy to guess; the seed uses 3.');
  }
  if (p.options.finalDrop === 'none') {
    warnings.add(
      'no_final_drop',
      ['options', 'finalDrop'],
      'Without a final drop the service stays reachable unless your own rules drop it.',
    );
  }
  if (!p.options.acceptEstablished) {
    warnings.add(
      'no_established_accept',
      ['options', 'acceptEstablished'],
      'Good practice 1: accept established and related connections, or open sessions break when the list entry expires.',
    );
  }
  if (!p.notOnlyLayerAcknowledged) {
    warnings.add(
      'only_layer_unacknowledged',
      ['notOnlyLayerAcknowledged'],
      'Good practice 10: a knock is not the only layer; confirm the service has its own authentication.',
    );
  }
  if (!p.options.psd && p.options.decoys.length === 0) {
    warnings.add(
      'no_scan_protection',
      ['options', 'psd'],
      'Good practice 7: combine with port-scan protection (psd) or decoy ports.',
    );
  }
  if (
    p.options.finalDrop === 'all' &&
    p.scope.inInterface === undefined &&
    p.scope.inInterfaceList === undefined
  ) {
    warnings.add(
      'final_drop_unscoped',
      ['scope'],
      'The final drop applies to every interface, including the LAN you manage the router from; set an in-interface scope.',
    );
  }
  p.steps.forEach((step, i) => {
    if (isTcpContentStep(step)) {
      const t = stepTransport(step);
      warnings.add(
        'content_needs_handshake',
        ['steps', i],
        `Step ${i + 1} carries data, so the TCP handshake on port ${t?.port} is accepted${i === 0 ? ' from anyone' : ' after the previous step'} and a service must listen there.`,
      );
    }
    if (step.kind === 'icmp-size' && icmpPacketSize(step.payloadSize) > 1_500) {
      warnings.add(
        'icmp_size_fragments',
        ['steps', i, 'payloadSize'],
        'Packets over 1500 bytes are fragmented on most links, and packet-size then matches the fragments.',
      );
    }
  });
  const last = p.steps.at(-1);
  if (last?.gap !== undefined) {
    warnings.add(
      'last_step_gap_ignored',
      ['steps', p.steps.length - 1, 'gap'],
      'The last step opens access for the final time; its gap is not used.',
    );
  }
  const ports = p.steps.map((step) => stepTransport(step)?.port);
  if (ports.length >= 2 && ports.every((port) => port !== undefined) && !p.rotation) {
    const list = ports as number[];
    const up = list.every((port, i) => i === 0 || port > list[i - 1]!);
    const down = list.every((port, i) => i === 0 || port < list[i - 1]!);
    if (up || down) {
      warnings.add(
        'sequential_ports',
        ['steps'],
        'The ports are in ascending or descending order, so a plain sequential port scan knocks them in order.',
      );
    }
  }
  return warnings.items;
}

function zodIssues(error: z.ZodError): ProfileIssue<ProfileErrorCode>[] {
  return error.issues.map((issue) => {
    const params = (issue as { params?: { code?: unknown } }).params;
    const code =
      issue.code === 'custom' && typeof params?.code === 'string' && isErrorCode(params.code)
        ? params.code
        : 'invalid_field';
    return {
      code,
      path: issue.path.map((k) => (typeof k === 'number' ? k : String(k))),
      message: issue.message,
    };
  });
}

function isErrorCode(code: string): code is ProfileErrorCode {
  return (PROFILE_ERROR_CODES as readonly string[]).includes(code);
}

/** Shape + domain rules in one zod schema, for server actions that parse with zod. */
export const profileSchema = profileShapeSchema.superRefine((profile, ctx) => {
  for (const issue of profileErrors(profile)) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, params: { code: issue.code } });
  }
});

/** Parses and checks a profile. Never throws. */
export function validateProfile(input: unknown): ValidationResult {
  const parsed = profileShapeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: zodIssues(parsed.error), warnings: [] };
  const errors = profileErrors(parsed.data);
  const warnings = profileWarnings(parsed.data);
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, profile: parsed.data as ValidProfile, warnings };
}
