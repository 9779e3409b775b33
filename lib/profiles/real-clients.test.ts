import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main as knockCli } from '@/cli/knock';
import { createRouterClient, type RouterClient } from '@/lib/routeros';
import { ManualClock, type Simulator, startSimulator } from '@/sim';
import { freePorts } from '@/sim/firewall/free-ports';
import { applyRules } from './apply';
import { generateRules } from './generate';
import type { ProfileInput, ValidProfile } from './model';
import { makeProfile } from './testing/factories';

/**
 * Acceptance 1 and 6 with real clients: the seed's TCP/UDP three-step profile (on free high ports)
 * is applied to the simulator through the RouterOS API; the Debian `knock` client (package knockd)
 * and our cli/knock.ts then knock over loopback, and a TCP connect to the protected port shows
 * whether the firewall engine opened it.
 */
const KNOCK = '/usr/bin/knock';

beforeAll(() => {
  try {
    fs.accessSync(KNOCK, fs.constants.X_OK);
  } catch {
    throw new Error(
      `${KNOCK} is missing: these tests need the real Debian knock client. Install it with "apt-get install knockd".`,
    );
  }
});

type Client = (sim: Simulator, ports: string[]) => Promise<void>;

/** The Debian client; `-d 50` spaces the knocks so loopback delivery keeps their order. */
const debianKnock: Client = async (sim, specs) => {
  const before = sim.knock!.events.length;
  await new Promise<void>((resolve, reject) => {
    execFile(KNOCK, ['-d', '50', '127.0.0.1', ...specs], { timeout: 10_000 }, (error, _out, stderr) =>
      error ? reject(new Error(`knock failed: ${stderr || error.message}`)) : resolve(),
    );
  });
  await settled(sim, before, specs.length);
};

/** Our grongor/knock-compatible CLI, through its command-line entry point. */
const ourKnock: Client = async (sim, specs) => {
  const before = sim.knock!.events.length;
  let err = '';
  const code = await knockCli(['-d', '50', '127.0.0.1', ...specs], { out: () => {}, err: (t) => (err += t) });
  if (code !== 0) throw new Error(`cli/knock.ts exited ${code}: ${err}`);
  await settled(sim, before, specs.length);
};

/** "Open" = the protected service's banner arrives; a reset or close before it = closed. */
function serviceOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let data = '';
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(open);
    };
    const timer = setTimeout(() => done(false), 3_000);
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('knockgate-sim service')) done(true);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/**
 * Waits until the simulator has taken `count` more packets off its sockets. A client returns once
 * its datagram is handed to the kernel; moving the router clock before the simulator read it would
 * time-stamp the knock late. Bounded: loopback delivery takes microseconds.
 */
async function settled(sim: Simulator, before: number, count: number): Promise<void> {
  for (let i = 0; i < 400 && sim.knock!.events.length < before + count; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (sim.knock!.events.length < before + count) {
    throw new Error(`the simulator saw ${sim.knock!.events.length - before} of ${count} packets`);
  }
}

/** A port sweep as a scanner does it: a TCP connect and a UDP datagram to each port, ascending. */
async function sweep(sim: Simulator, ports: readonly number[]): Promise<void> {
  const before = sim.knock!.events.length;
  for (const port of [...ports].sort((a, b) => a - b)) {
    await new Promise<void>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => socket.destroy(), 1_000);
      socket.on('connect', () => socket.destroy());
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await new Promise<void>((resolve) => {
      const udp = dgram.createSocket('udp4');
      udp.send(Buffer.alloc(0), port, '127.0.0.1', () => {
        udp.close();
        resolve();
      });
    });
  }
  await settled(sim, before, ports.length * 2);
}

type Setup = {
  sim: Simulator;
  clock: ManualClock;
  client: RouterClient;
  profile: ValidProfile;
  /** First, second and third knock ports (second is UDP; ordered first < third < second like the seed's 2022/9090/4022). */
  k: [number, number, number];
  service: number;
  /** Ports a sweep touches (the simulator listens on them all). */
  swept: number[];
  right: string[];
};

/** Retries with other ports if another process took one between choosing and binding. */
async function setUp(overrides: Partial<ProfileInput> = {}): Promise<Setup> {
  let last: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await setUpOnce(overrides);
    } catch (error) {
      last = error as Error;
      if (!/EADDRINUSE/.test(last.message)) throw last;
    }
  }
  throw last;
}

async function setUpOnce(overrides: Partial<ProfileInput> = {}): Promise<Setup> {
  const ports = await freePorts(101);
  const [a, b, c, service] = ports.slice(0, 4).sort((x, y) => x - y) as [number, number, number, number];
  const k: [number, number, number] = [a, c, b];
  const clock = new ManualClock();
  const swept = ports.slice(0, 100);
  const sim = await startSimulator({
    apiSslPort: null,
    clock,
    knock: {
      services: [{ port: service }],
      ports: swept.flatMap((port) => [
        { port, protocol: 'tcp' as const },
        { port, protocol: 'udp' as const },
      ]),
    },
  });
  const client = createRouterClient({
    id: `real-clients-${sim.apiPort}`,
    host: '127.0.0.1',
    port: sim.apiPort,
    tls: false,
    username: 'admin',
    password: '',
  });
  const profile = makeProfile({
    id: 'seed-ssh',
    steps: [
      { kind: 'tcp', port: k[0] },
      { kind: 'udp', port: k[1] },
      { kind: 'tcp', port: k[2] },
    ],
    service: { kind: 'router', protocol: 'tcp', ports: [service] },
    scope: {},
    options: { acceptEstablished: true, finalDrop: 'all' },
    ...overrides,
  });
  const applied = await applyRules(client, profile.id, generateRules(profile));
  if (!applied.ok) throw new Error(applied.error.message);
  const report = sim.knock!.report();
  if (report.failed.length > 0) {
    await client.close();
    await sim.close();
    throw new Error(`could not listen: ${JSON.stringify(report.failed)}`);
  }
  const right = [`${k[0]}:tcp`, `${k[1]}:udp`, `${k[2]}:tcp`];
  return { sim, clock, client, profile, k, service, swept, right };
}

async function tearDown(s: Setup | undefined) {
  await s?.client.close();
  await s?.sim.close();
}

for (const [name, knock] of [
  ['Debian knock (knockd package)', debianKnock],
  ['cli/knock.ts', ourKnock],
] as const) {
  describe(`acceptance 1 with ${name}: the seed TCP/UDP profile applied through the API`, () => {
    let s: Setup;
    beforeAll(async () => {
      s = await setUp();
    });
    afterAll(() => tearDown(s));
    beforeEach(() => {
      s.sim.firewall.reset();
    });

    it('the rules on the router are the generated ones, listening on every port they name', () => {
      const rows = s.sim.rules('filter').list(s.sim.state.ctx);
      expect(rows.map((r) => r.attrs)).toEqual(generateRules(s.profile).map((r) => r.attrs));
      expect(s.sim.knock!.report().listening).toEqual(
        expect.arrayContaining([
          { protocol: 'tcp', port: s.k[0] },
          { protocol: 'udp', port: s.k[1] },
          { protocol: 'tcp', port: s.k[2] },
          { protocol: 'tcp', port: s.service },
        ]),
      );
    });

    it('the right sequence opens the protected port (a TCP connect gets the service)', async () => {
      expect(await serviceOpen(s.service)).toBe(false);
      await knock(s.sim, s.right);
      expect(await serviceOpen(s.service)).toBe(true);
    });

    it('the wrong order leaves it closed', async () => {
      await knock(s.sim, [s.right[1]!, s.right[0]!, s.right[2]!]);
      expect(await serviceOpen(s.service)).toBe(false);
      await knock(s.sim, [s.right[2]!, s.right[1]!, s.right[0]!]);
      expect(await serviceOpen(s.service)).toBe(false);
    });

    it('a missing step leaves it closed', async () => {
      await knock(s.sim, [s.right[0]!, s.right[2]!]);
      expect(await serviceOpen(s.service)).toBe(false);
      s.sim.firewall.reset();
      await knock(s.sim, [s.right[1]!, s.right[2]!]);
      expect(await serviceOpen(s.service)).toBe(false);
    });

    it('a step after its gap timeout (15 s on the router clock) leaves it closed', async () => {
      await knock(s.sim, [s.right[0]!]);
      s.clock.advance(15_001);
      await knock(s.sim, [s.right[1]!, s.right[2]!]);
      expect(await serviceOpen(s.service)).toBe(false);
      // Control: the same steps within the gap open it.
      s.sim.firewall.reset();
      await knock(s.sim, [s.right[0]!]);
      s.clock.advance(14_000);
      await knock(s.sim, [s.right[1]!]);
      s.clock.advance(14_000);
      await knock(s.sim, [s.right[2]!]);
      expect(await serviceOpen(s.service)).toBe(true);
    });

    it('a port sweep over 100 ports, knock ports included, leaves it closed', async () => {
      expect(s.swept).toEqual(expect.arrayContaining([...s.k, s.service]));
      const from = s.sim.knock!.events.length;
      await sweep(s.sim, s.swept);
      expect(await serviceOpen(s.service)).toBe(false);
      // The sweep did reach the engine: every swept port was seen.
      const seen = new Set(s.sim.knock!.events.slice(from).map((e) => e.dstPort));
      expect(s.swept.every((port) => seen.has(port))).toBe(true);
      s.sim.firewall.reset();
      await sweep(s.sim, [...s.swept].reverse());
      expect(await serviceOpen(s.service)).toBe(false);
    });

    it('without scan protection, two sweeps in opposite directions do complete the sequence', async () => {
      // Why the seed pairs knocking with port-scan protection (good practice 7): the first sweep
      // passes steps 1 and 2 (ascending), the second one step 3. See the psd tests below.
      await sweep(s.sim, s.swept);
      await sweep(s.sim, [...s.swept].reverse());
      expect(await serviceOpen(s.service)).toBe(true);
    });
  });
}

describe('acceptance 6: port-scan protection (psd) with a blacklist', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp({
      options: {
        acceptEstablished: true,
        finalDrop: 'all',
        blacklist: { list: 'knock-blacklist', timeout: '1h' },
        psd: { weightThreshold: 21, delayThreshold: '3s', lowPortWeight: 3, highPortWeight: 1 },
      },
    });
  });
  afterAll(() => tearDown(s));

  const blacklisted = () => s.sim.addressList('ip').contains('knock-blacklist', '127.0.0.1', s.sim.state.ctx);

  it('correct knocks work before any scan', async () => {
    s.sim.firewall.reset();
    await debianKnock(s.sim, s.right);
    expect(await serviceOpen(s.service)).toBe(true);
    expect(blacklisted()).toBe(false);
  });

  it('a sweep of 100 ports blacklists the source; correct knocks are ignored until the entry times out', async () => {
    s.sim.firewall.reset();
    await sweep(s.sim, s.swept);
    expect(blacklisted()).toBe(true);
    const entry = s.sim.addressList('ip').entries(s.sim.state.ctx, 'knock-blacklist')[0]!;
    expect(entry.timeoutSeconds).toBe(3600);

    await debianKnock(s.sim, s.right);
    expect(await serviceOpen(s.service)).toBe(false);
    const mark = s.sim.knock!.events.length;
    await ourKnock(s.sim, s.right);
    expect(await serviceOpen(s.service)).toBe(false);
    // Every knock met the blacklist drop: none of them reached a knock rule.
    const knocks = s.sim.knock!.events.slice(mark, mark + 3);
    expect(knocks.map((e) => [e.dstPort, e.verdict])).toEqual(s.k.map((port) => [port, 'drop']));

    s.clock.advance(30 * 60_000);
    await debianKnock(s.sim, s.right);
    expect(await serviceOpen(s.service)).toBe(false);

    s.clock.advance(30 * 60_000 + 1_000);
    expect(blacklisted()).toBe(false);
    await debianKnock(s.sim, s.right);
    expect(await serviceOpen(s.service)).toBe(true);
  });

  it('with psd, the double sweep that opens an unprotected profile only blacklists', async () => {
    s.sim.firewall.reset();
    await sweep(s.sim, s.swept);
    await sweep(s.sim, [...s.swept].reverse());
    expect(blacklisted()).toBe(true);
    expect(await serviceOpen(s.service)).toBe(false);
  });

  it('the three knocks of a correct sequence never count as a scan', async () => {
    s.sim.firewall.reset();
    for (let i = 0; i < 5; i += 1) await debianKnock(s.sim, s.right);
    expect(blacklisted()).toBe(false);
  });
});
