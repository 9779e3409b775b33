import { beforeEach, describe, expect, it } from 'vitest';
import { generateRules } from '@/lib/profiles/generate';
import { icmpPatternHex, type ProfileInput } from '@/lib/profiles/model';
import type { Rule } from '@/lib/profiles/rule';
import { SEED_PROFILES } from '@/lib/profiles/seed-profiles';
import { makeProfile } from '@/lib/profiles/testing/factories';
import { ManualClock } from '../clock';
import { RouterState } from '../router';
import { FirewallEngine } from './engine';
import { type Packet, pingRequest, tcpData, tcpSyn, udpDatagram } from './packet';

/**
 * The engine with synthetic packets over rules stored in the simulator's tables, the way a client
 * configured them (acceptance 2 for ICMP size and payload; the sequence logic for the others).
 */
let clock: ManualClock;
let state: RouterState;
let engine: FirewallEngine;

beforeEach(() => {
  clock = new ManualClock();
  state = new RouterState({ clock });
  engine = new FirewallEngine(state, { routerAddresses: ['203.0.113.1'] });
});

const ROUTER = '203.0.113.1';
const CLIENT = '198.51.100.7';
const OTHER = '198.51.100.8';

function load(rules: readonly Rule[]): void {
  const ctx = state.ctx;
  for (const rule of rules) {
    const attrs = new Map(Object.entries(rule.attrs));
    if (rule.table === '/ip/firewall/layer7-protocol') state.layer7.add(attrs, ctx);
    else state.rules(rule.table.split('/').at(-1) as 'filter' | 'nat' | 'raw').add(attrs, ctx);
  }
}

function addRule(table: 'filter' | 'nat' | 'raw', attrs: Record<string, string>): string {
  const row = state.rules(table).add(new Map(Object.entries(attrs)), state.ctx);
  return `*${row.id.toString(16).toUpperCase()}`;
}

function seedProfile(golden: string): ProfileInput {
  const seed = SEED_PROFILES.find((s) => s.golden === golden);
  if (!seed) throw new Error(golden);
  return seed.profile;
}

const onList = (list: string, ip = CLIENT) => state.addressList('ip').contains(list, ip, state.ctx);
const syn = (dstPort: number, src = CLIENT) => engine.process(tcpSyn({ src, dst: ROUTER, dstPort }));
const udp = (dstPort: number, src = CLIENT) => engine.process(udpDatagram({ src, dst: ROUTER, dstPort }));
const ping = (payloadSize: number, patternHex?: string, src = CLIENT) =>
  engine.process(pingRequest({ src, dst: ROUTER, payloadSize, ...(patternHex ? { patternHex } : {}) }));

describe('ICMP size knock (acceptance 2): packet-size = payload + 28', () => {
  beforeEach(() => load(generateRules(makeProfile({ ...seedProfile('icmp-size.rsc'), scope: {} }))));

  it('ping -s 692 is a 720-byte packet and only it advances the sequence', () => {
    expect(pingRequest({ src: CLIENT, dst: ROUTER, payloadSize: 692 }).size).toBe(720);
    syn(2022);
    expect(onList('ping-knock-1')).toBe(true);
    for (const wrong of [691, 693, 720, 664]) {
      ping(wrong);
      expect(onList('ping-knock-2'), `payload ${wrong}`).toBe(false);
    }
    ping(692);
    expect(onList('ping-knock-2')).toBe(true);
    syn(4022);
    expect(onList('ssh-allowed')).toBe(true);
    expect(syn(22).action).toBe('accept');
    expect(syn(22, OTHER).action).toBe('drop');
  });

  it('the right size without the first step, or an echo reply of that size, adds nothing', () => {
    ping(692);
    expect(onList('ping-knock-2')).toBe(false);
    syn(2022);
    const reply: Packet = {
      ...pingRequest({ src: CLIENT, dst: ROUTER, payloadSize: 692 }),
      icmp: { type: 0, code: 0 },
    };
    engine.process(reply);
    expect(onList('ping-knock-2')).toBe(false);
  });

  it('runs the ICMP step in its own chain (good practice 3), reached by one jump', () => {
    syn(2022);
    const verdict = ping(692);
    expect(verdict.trace.map((t) => t.action)).toEqual(
      expect.arrayContaining(['jump', 'add-src-to-address-list']),
    );
    expect(verdict.trace.find((t) => t.action === 'add-src-to-address-list')?.chain).toBe('ping-knock-icmp');
  });
});

describe('ICMP payload knock (acceptance 2): layer7 regexp on the echo data', () => {
  beforeEach(() => load(generateRules(makeProfile({ ...seedProfile('icmp-payload.rsc'), scope: {} }))));

  it('ping -p 6d696b726f74696b ("mikrotik") advances the sequence; other patterns do not', () => {
    expect(icmpPatternHex('mikrotik')).toBe('6d696b726f74696b');
    syn(2022);
    for (const wrong of ['6d696b726f746f6b', '00', 'ffffffff', undefined]) {
      ping(56, wrong);
      expect(onList('pattern-knock-2'), `pattern ${wrong}`).toBe(false);
    }
    ping(56, '6d696b726f74696b');
    expect(onList('pattern-knock-2')).toBe(true);
    syn(4022);
    expect(onList('ssh-allowed')).toBe(true);
  });

  it('a payload too short to carry the pattern after the timestamp matches nothing', () => {
    syn(2022);
    ping(16, '6d696b726f74696b');
    expect(onList('pattern-knock-2')).toBe(false);
  });

  it('the pattern inside TCP or UDP data is not an ICMP knock', () => {
    syn(2022);
    engine.process(udpDatagram({ src: CLIENT, dst: ROUTER, dstPort: 5000 }, 'mikrotik'));
    expect(onList('pattern-knock-2')).toBe(false);
  });
});

describe('TCP/UDP sequence (the seed profile)', () => {
  beforeEach(() => load(generateRules(makeProfile({ ...seedProfile('tcp-udp-sequence.rsc'), scope: {} }))));

  it('the right order opens port 22 for that source only, for the final timeout', () => {
    expect(syn(22).action).toBe('drop');
    syn(2022);
    udp(9090);
    syn(4022);
    expect(syn(22).action).toBe('accept');
    expect(syn(22, OTHER).action).toBe('drop');
    clock.advance(3_600_000 + 1_000);
    expect(syn(22).action).toBe('drop');
  });

  it('wrong order, a missing step, the wrong protocol, or a gap over 15 s leave it closed', () => {
    const closedAfter = (knocks: (() => void)[]) => {
      engine.reset();
      for (const knock of knocks) knock();
      return syn(22).action;
    };
    expect(closedAfter([() => udp(9090), () => syn(2022), () => syn(4022)])).toBe('drop');
    expect(closedAfter([() => syn(2022), () => syn(4022)])).toBe('drop');
    expect(closedAfter([() => syn(2022), () => syn(9090), () => syn(4022)])).toBe('drop');
    expect(
      closedAfter([() => syn(2022), () => clock.advance(15_001), () => udp(9090), () => syn(4022)]),
    ).toBe('drop');
    expect(
      closedAfter([() => syn(2022), () => clock.advance(14_000), () => udp(9090), () => syn(4022)]),
    ).toBe('accept');
  });

  it('an established connection survives the list entry expiring (good practice 1)', () => {
    syn(2022);
    udp(9090);
    syn(4022);
    const ends = { src: CLIENT, srcPort: 50_000, dst: ROUTER, dstPort: 22 };
    expect(engine.process(tcpSyn(ends)).action).toBe('accept');
    clock.advance(2 * 3_600_000);
    const data = engine.process(tcpData(ends, 'SSH-2.0-client'));
    expect(data).toMatchObject({ action: 'accept', state: 'established' });
    engine.closeConnection({ ...ends, protocol: 'tcp' });
    expect(engine.process(tcpData(ends, 'x'))).toMatchObject({ action: 'drop', state: 'invalid' });
  });

  it('counts hits on the rules, as /print shows in bytes and packets', () => {
    syn(2022);
    const rule = state.filter.list(state.ctx).find((r) => r.attrs['dst-port'] === '2022')!;
    const printed = state.filter.printRow(state.filter.find(rule.id, state.ctx)[0]!);
    expect(printed.get('packets')).toBe('1');
    expect(printed.get('bytes')).toBe('60');
  });
});

describe('port-scan protection and decoys', () => {
  const hardened = () => load(generateRules(makeProfile({ ...seedProfile('hardened.rsc'), scope: {} })));

  it('psd: 21 distinct high ports within 3 s of each other blacklist the source (raw drop)', () => {
    hardened();
    for (let port = 30_000; port < 30_020; port += 1) syn(port);
    expect(onList('knock-blacklist')).toBe(false);
    syn(30_020);
    expect(onList('knock-blacklist')).toBe(true);
    // Blacklisted in raw: even a correct sequence never reaches the knock rules.
    syn(2022);
    udp(9090);
    syn(4022);
    expect(onList('ssh-knock-1')).toBe(false);
    expect(syn(22).action).toBe('drop');
    expect(syn(22).trace[0]?.table).toBe('raw');
    expect(onList('knock-blacklist', OTHER)).toBe(false);
  });

  it('psd forgets a source whose packets are further apart than the delay threshold', () => {
    hardened();
    for (let port = 30_000; port < 30_040; port += 1) {
      syn(port);
      clock.advance(3_001);
    }
    expect(onList('knock-blacklist')).toBe(false);
  });

  it('privileged ports weigh 3: seven of them are a scan', () => {
    hardened();
    for (const port of [21, 23, 25, 53, 80, 110]) syn(port);
    expect(onList('knock-blacklist')).toBe(false);
    syn(143);
    expect(onList('knock-blacklist')).toBe(true);
  });

  it('a decoy port next to a real one blacklists at once', () => {
    hardened();
    syn(2022);
    syn(2023);
    expect(onList('knock-blacklist')).toBe(true);
    udp(9090);
    expect(onList('ssh-knock-2')).toBe(false);
  });
});

describe('HTTP GET and payload knocks (content=)', () => {
  it('the GET /mikrotik request inside an accepted connection is the knock', () => {
    load(generateRules(makeProfile({ ...seedProfile('http-get.rsc'), scope: {} })));
    const web = { src: CLIENT, srcPort: 51_000, dst: ROUTER, dstPort: 80 };
    expect(engine.process(tcpSyn(web)).action).toBe('drop'); // not after step 1
    udp(9090);
    expect(engine.process(tcpSyn(web)).action).toBe('accept');
    engine.process(tcpData(web, 'GET /mikrotik-other HTTP/1.1\r\nHost: r\r\n\r\n'));
    expect(onList('web-knock-2')).toBe(false);
    engine.process(tcpData(web, 'GET /mikrotik HTTP/1.1\r\nHost: r\r\n\r\n'));
    expect(onList('web-knock-2')).toBe(true);
    syn(4022);
    expect(syn(22).action).toBe('accept');
  });
});

describe('forwarded services (good practice 5)', () => {
  it('dstnat only for listed sources; the rest meets the router itself and is dropped', () => {
    load(
      generateRules(
        makeProfile({
          ...seedProfile('dstnat-forward.rsc'),
          scope: {},
          service: {
            kind: 'dstnat',
            protocol: 'tcp',
            port: 3389,
            toAddress: '192.168.88.10',
            toPort: 3389,
            dstAddress: ROUTER,
          },
        }),
      ),
    );
    expect(syn(3389)).toMatchObject({ action: 'drop', path: 'input', dstnat: false });
    syn(2022);
    udp(9090);
    syn(4022);
    expect(syn(3389)).toMatchObject({
      action: 'accept',
      path: 'forward',
      dst: '192.168.88.10',
      dstnat: true,
    });
  });

  it('filter forward: everyone is dstnat-ed, only the final list is accepted', () => {
    load(
      generateRules(
        makeProfile({
          ...seedProfile('forward-filter.rsc'),
          scope: {},
          service: {
            kind: 'forward',
            protocol: 'tcp',
            port: 8080,
            toAddress: '192.168.88.20',
            toPort: 80,
            dstAddress: ROUTER,
          },
        }),
      ),
    );
    expect(syn(8080)).toMatchObject({ action: 'drop', path: 'forward', dst: '192.168.88.20', dstPort: 80 });
    syn(2022);
    udp(9090);
    syn(4022);
    expect(syn(8080)).toMatchObject({ action: 'accept', path: 'forward', dstPort: 80 });
  });
});

describe('chains and actions', () => {
  it('jump/return, passthrough, log, reject and the default accept', () => {
    addRule('filter', { chain: 'input', action: 'log', 'log-prefix': 'seen', protocol: 'udp' });
    addRule('filter', { chain: 'input', action: 'jump', 'jump-target': 'custom', protocol: 'udp' });
    addRule('filter', { chain: 'custom', action: 'return', 'dst-port': '53', protocol: 'udp' });
    addRule('filter', { chain: 'custom', action: 'passthrough' });
    addRule('filter', { chain: 'custom', action: 'reject', 'dst-port': '161', protocol: 'udp' });
    expect(udp(53).action).toBe('accept'); // returned, nothing else matched: chain input's default
    expect(udp(161)).toMatchObject({ action: 'reject' });
    expect(udp(161).trace.map((t) => t.action)).toEqual(['log', 'jump', 'passthrough', 'reject']);
    expect(engine.log.map((l) => l.prefix)).toEqual(['seen', 'seen', 'seen']);
    expect(syn(1234).action).toBe('accept');
  });

  it('disabled rules are skipped; address lists, ports, sizes and states match with negation', () => {
    addRule('filter', { chain: 'input', action: 'drop', disabled: 'yes' });
    addRule('filter', {
      chain: 'input',
      action: 'accept',
      'src-address-list': '!blocked',
      protocol: 'tcp',
      'dst-port': '!1-1023',
    });
    addRule('filter', { chain: 'input', action: 'drop' });
    state.addressList('ip').addDynamic({ list: 'blocked', address: OTHER, timeoutSeconds: 60 }, state.ctx);
    expect(syn(8080).action).toBe('accept');
    expect(syn(80).action).toBe('drop');
    expect(syn(8080, OTHER).action).toBe('drop');
  });

  it('raw prerouting drops before nat and filter see the packet', () => {
    addRule('raw', { chain: 'prerouting', action: 'drop', 'src-address': '198.51.100.0/24' });
    addRule('filter', { chain: 'input', action: 'accept' });
    const verdict = syn(22);
    expect(verdict.action).toBe('drop');
    expect(verdict.trace.map((t) => t.table)).toEqual(['raw']);
    expect(syn(22, '192.0.2.9').action).toBe('accept');
  });

  it('a rule with a matcher the engine does not know never matches, and says so', () => {
    const id = addRule('filter', { chain: 'input', action: 'drop', limit: '10,5:packet' });
    expect(syn(22).action).toBe('accept');
    expect([...engine.unsupported]).toEqual([`filter:${id}:limit`]);
  });

  it('reset() empties the dynamic entries the rules wrote, not other lists', () => {
    load(generateRules(makeProfile({ ...seedProfile('tcp-udp-sequence.rsc'), scope: {} })));
    state.addressList('ip').addDynamic({ list: 'knockgate', address: CLIENT, timeoutSeconds: 60 }, state.ctx);
    syn(2022);
    udp(9090);
    syn(4022);
    expect(engine.reset()).toEqual({ removed: 3 });
    expect(onList('ssh-allowed')).toBe(false);
    expect(onList('knockgate')).toBe(true);
  });
});
