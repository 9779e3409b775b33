/**
 * The editor's state: every field as the admin typed it (strings, so a half-typed number is not
 * lost), and the conversions to and from the profile model. Pure and browser-safe; the editor
 * validates `toProfileInput(state)` with the model's own `validateProfile` on every keystroke.
 */
import type { ProfileInput, ProfileIssue, StepKind } from '@/lib/profiles/model';

export type StepForm = {
  /** Identity in the editor (React key), so moving a step moves its inputs with it. */
  uid: string;
  kind: StepKind;
  port: string;
  payloadSize: string;
  pattern: string;
  protocol: 'tcp' | 'udp';
  content: string;
  path: string;
  gap: string;
};

export type ProfileForm = {
  name: string;
  steps: StepForm[];
  defaultGap: string;
  stageListPrefix: string;
  finalList: string;
  finalTimeout: string;
  serviceKind: 'router' | 'dstnat' | 'forward';
  serviceProtocol: 'tcp' | 'udp';
  servicePorts: string;
  natPort: string;
  toAddress: string;
  toPort: string;
  dstAddress: string;
  scopeKind: 'none' | 'interface' | 'list';
  scopeValue: string;
  acceptEstablished: boolean;
  finalDrop: 'all' | 'service' | 'none';
  customChains: boolean;
  blacklistOn: boolean;
  blacklistList: string;
  blacklistTimeout: string;
  psdOn: boolean;
  psdWeight: string;
  psdDelay: string;
  psdLow: string;
  psdHigh: string;
  decoys: string;
  rawBlacklist: boolean;
  rotationOn: boolean;
  rotationPeriod: string;
  rotationMin: string;
  rotationMax: string;
  notOnlyLayerAcknowledged: boolean;
};

let nextUid = 0;

export function emptyStep(kind: StepKind = 'tcp'): StepForm {
  nextUid += 1;
  return {
    uid: `step-${nextUid}`,
    kind,
    port: '',
    payloadSize: '',
    pattern: '',
    protocol: 'tcp',
    content: '',
    path: '/',
    gap: '',
  };
}

export function blankForm(): ProfileForm {
  return {
    name: '',
    steps: [emptyStep('tcp'), emptyStep('udp'), emptyStep('tcp')],
    defaultGap: '15s',
    stageListPrefix: '',
    finalList: 'knockgate',
    finalTimeout: '1h',
    serviceKind: 'router',
    serviceProtocol: 'tcp',
    servicePorts: '22',
    natPort: '',
    toAddress: '',
    toPort: '',
    dstAddress: '',
    scopeKind: 'list',
    scopeValue: 'WAN',
    acceptEstablished: true,
    finalDrop: 'service',
    customChains: true,
    blacklistOn: false,
    blacklistList: 'knock-blacklist',
    blacklistTimeout: '1d',
    psdOn: false,
    psdWeight: '21',
    psdDelay: '3s',
    psdLow: '3',
    psdHigh: '1',
    decoys: '',
    rawBlacklist: false,
    rotationOn: false,
    rotationPeriod: '5m',
    rotationMin: '10000',
    rotationMax: '65000',
    notOnlyLayerAcknowledged: false,
  };
}

/** A typed number, or NaN so that the model reports the field (never silently 0). */
function num(text: string): number {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : Number.NaN;
}

function stepInput(s: StepForm): ProfileInput['steps'][number] {
  const gap = s.gap.trim() === '' ? {} : { gap: s.gap.trim() };
  switch (s.kind) {
    case 'tcp':
    case 'udp':
      return { kind: s.kind, port: num(s.port), ...gap };
    case 'icmp-size':
      return { kind: 'icmp-size', payloadSize: num(s.payloadSize), ...gap };
    case 'icmp-pattern':
      return { kind: 'icmp-pattern', pattern: s.pattern, ...gap };
    case 'payload':
      return { kind: 'payload', protocol: s.protocol, port: num(s.port), content: s.content, ...gap };
    case 'http-get':
      return { kind: 'http-get', port: num(s.port), path: s.path, ...gap };
  }
}

/** `2021/tcp, 9091/udp` (a bare port is TCP). Unreadable items become NaN ports for the model to flag. */
export function parseDecoys(text: string): { port: number; protocol: 'tcp' | 'udp' }[] {
  return text
    .split(/[\s,]+/)
    .filter((item) => item !== '')
    .map((item) => {
      const m = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(item);
      return m
        ? { port: Number(m[1]), protocol: (m[2]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp' }
        : { port: Number.NaN, protocol: 'tcp' as const };
    });
}

/** The profile input the model validates (no id: the server assigns it). */
export function toProfileInput(f: ProfileForm): Omit<ProfileInput, 'id'> {
  const nat = {
    protocol: f.serviceProtocol,
    port: num(f.natPort),
    toAddress: f.toAddress.trim(),
    toPort: num(f.toPort),
    ...(f.dstAddress.trim() !== '' ? { dstAddress: f.dstAddress.trim() } : {}),
  };
  const service: ProfileInput['service'] =
    f.serviceKind === 'router'
      ? {
          kind: 'router',
          protocol: f.serviceProtocol,
          ports: f.servicePorts
            .split(/[\s,]+/)
            .filter((p) => p !== '')
            .map(num),
        }
      : { kind: f.serviceKind, ...nat };
  const scopeValue = f.scopeValue.trim();
  const scope =
    f.scopeKind === 'interface' && scopeValue !== ''
      ? { inInterface: scopeValue }
      : f.scopeKind === 'list' && scopeValue !== ''
        ? { inInterfaceList: scopeValue }
        : {};
  return {
    name: f.name,
    steps: f.steps.map(stepInput),
    defaultGap: f.defaultGap.trim(),
    stageListPrefix: f.stageListPrefix.trim(),
    finalList: f.finalList.trim(),
    finalTimeout: f.finalTimeout.trim(),
    service,
    scope,
    options: {
      acceptEstablished: f.acceptEstablished,
      finalDrop: f.finalDrop,
      customChains: f.customChains,
      ...(f.blacklistOn
        ? { blacklist: { list: f.blacklistList.trim(), timeout: f.blacklistTimeout.trim() } }
        : {}),
      ...(f.psdOn
        ? {
            psd: {
              weightThreshold: num(f.psdWeight),
              delayThreshold: f.psdDelay.trim(),
              lowPortWeight: num(f.psdLow),
              highPortWeight: num(f.psdHigh),
            },
          }
        : {}),
      decoys: parseDecoys(f.decoys),
      rawBlacklist: f.rawBlacklist,
    },
    ...(f.rotationOn
      ? {
          rotation: {
            period: f.rotationPeriod.trim(),
            portMin: num(f.rotationMin),
            portMax: num(f.rotationMax),
          },
        }
      : {}),
    notOnlyLayerAcknowledged: f.notOnlyLayerAcknowledged,
  };
}

const str = (value: unknown, fallback = ''): string =>
  typeof value === 'number' || typeof value === 'string' ? String(value) : fallback;

/** The editor state of a stored definition (or a seed profile). Unknown shapes fall back to defaults. */
export function fromProfileInput(input: Record<string, unknown>): ProfileForm {
  const base = blankForm();
  const options = (input.options ?? {}) as Record<string, unknown>;
  const scope = (input.scope ?? {}) as Record<string, unknown>;
  const service = (input.service ?? {}) as Record<string, unknown>;
  const blacklist = options.blacklist as Record<string, unknown> | undefined;
  const psd = options.psd as Record<string, unknown> | undefined;
  const rotation = input.rotation as Record<string, unknown> | undefined;
  const steps = Array.isArray(input.steps) ? (input.steps as Record<string, unknown>[]) : [];
  const decoys = Array.isArray(options.decoys) ? (options.decoys as Record<string, unknown>[]) : [];
  const serviceKind = service.kind === 'dstnat' || service.kind === 'forward' ? service.kind : 'router';
  return {
    ...base,
    name: str(input.name),
    steps: steps.map((s) => ({
      ...emptyStep((s.kind as StepKind) ?? 'tcp'),
      port: str(s.port),
      payloadSize: str(s.payloadSize),
      pattern: str(s.pattern),
      protocol: s.protocol === 'udp' ? 'udp' : 'tcp',
      content: str(s.content),
      path: str(s.path, '/'),
      gap: str(s.gap),
    })),
    defaultGap: str(input.defaultGap, base.defaultGap),
    stageListPrefix: str(input.stageListPrefix),
    finalList: str(input.finalList, base.finalList),
    finalTimeout: str(input.finalTimeout, base.finalTimeout),
    serviceKind,
    serviceProtocol: service.protocol === 'udp' ? 'udp' : 'tcp',
    servicePorts: Array.isArray(service.ports)
      ? (service.ports as unknown[]).map((p) => str(p)).join(',')
      : '',
    natPort: serviceKind === 'router' ? '' : str(service.port),
    toAddress: str(service.toAddress),
    toPort: str(service.toPort),
    dstAddress: str(service.dstAddress),
    scopeKind:
      scope.inInterface !== undefined ? 'interface' : scope.inInterfaceList !== undefined ? 'list' : 'none',
    scopeValue: str(scope.inInterface ?? scope.inInterfaceList),
    acceptEstablished: options.acceptEstablished !== false,
    finalDrop: options.finalDrop === 'all' || options.finalDrop === 'none' ? options.finalDrop : 'service',
    customChains: options.customChains === true,
    blacklistOn: blacklist !== undefined,
    blacklistList: str(blacklist?.list, base.blacklistList),
    blacklistTimeout: str(blacklist?.timeout, base.blacklistTimeout),
    psdOn: psd !== undefined,
    psdWeight: str(psd?.weightThreshold, base.psdWeight),
    psdDelay: str(psd?.delayThreshold, base.psdDelay),
    psdLow: str(psd?.lowPortWeight, base.psdLow),
    psdHigh: str(psd?.highPortWeight, base.psdHigh),
    decoys: decoys.map((d) => `${str(d.port)}/${d.protocol === 'udp' ? 'udp' : 'tcp'}`).join(', '),
    rawBlacklist: options.rawBlacklist === true,
    rotationOn: rotation !== undefined,
    rotationPeriod: str(rotation?.period, base.rotationPeriod),
    rotationMin: str(rotation?.portMin, base.rotationMin),
    rotationMax: str(rotation?.portMax, base.rotationMax),
    notOnlyLayerAcknowledged: input.notOnlyLayerAcknowledged === true,
  };
}

/** Issues at a field path or below it (`steps.1` covers `steps.1.port`). */
export function issuesAt<C extends string>(
  issues: readonly ProfileIssue<C>[],
  path: string,
): ProfileIssue<C>[] {
  return issues.filter((issue) => {
    const p = issue.path.join('.');
    return p === path || p.startsWith(`${path}.`);
  });
}
