import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RouterOSClient } from '@/lib/routeros/client';
import { adminRequest } from './admin';
import { parseKnockPorts, parseListEntry, resolveCliOptions } from './cli-options';
import { freePorts } from './firewall/free-ports';

const root = path.resolve(import.meta.dirname, '..');
let child: ChildProcess | null = null;

afterEach(() => {
  child?.kill('SIGTERM');
  child = null;
});

interface Listening {
  apiPort: number;
  apiSslPort: number | null;
  adminPort: number | null;
  version: string;
  fingerprint256: string | null;
}

function startCli(args: string[]): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${err}`)), 20_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Listening);
      }
    });
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}: ${err}`));
    });
  });
}

describe('npm run sim options', () => {
  it('defaults to a fresh RouterOS 7.18 on 127.0.0.1:8728 / 8729 with admin and an empty password', () => {
    const { simulator, adminPort } = resolveCliOptions({});
    expect(simulator).toMatchObject({ host: '127.0.0.1', apiPort: 8728, apiSslPort: 8729, version: '7.18' });
    expect(simulator.users).toBeUndefined(); // the simulator's default: admin / '' / full rights
    expect(adminPort).toBe(8730);
  });

  it('reads flags and a config file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kg-sim-'));
    try {
      const file = path.join(dir, 'sim.json');
      writeFileSync(
        file,
        JSON.stringify({ version: '6.49', apiSslPort: 'off', dns: { 'a.example': ['192.0.2.1'] } }),
      );
      const { simulator, adminPort } = resolveCliOptions({
        config: file,
        'api-port': '0',
        'admin-port': 'off',
        user: ['knock:pw:api,read,write'],
        list: ['kg:192.0.2.5:1h:knockgate:7'],
      });
      expect(simulator).toMatchObject({ version: '6.49', apiPort: 0, apiSslPort: null });
      expect(simulator.users).toEqual([
        { name: 'knock', password: 'pw', policies: ['api', 'read', 'write'] },
      ]);
      expect(simulator.addressLists).toEqual([
        { list: 'kg', address: '192.0.2.5', timeout: '1h', comment: 'knockgate:7' },
      ]);
      expect(adminPort).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knock listeners are off by default and turned on by --knock-listen, --service or --knock-port', () => {
    expect(resolveCliOptions({}).simulator.knock).toBeUndefined();
    expect(resolveCliOptions({ 'knock-listen': true }).simulator.knock).toEqual({ services: [], ports: [] });
    expect(
      resolveCliOptions({ service: ['2222'], 'knock-port': ['30000-30001:udp'] }).simulator.knock,
    ).toEqual({
      services: [{ port: 2222 }],
      ports: [
        { port: 30000, protocol: 'udp' },
        { port: 30001, protocol: 'udp' },
      ],
    });
    expect(parseKnockPorts('9090')).toEqual([
      { port: 9090, protocol: 'tcp' },
      { port: 9090, protocol: 'udp' },
    ]);
    expect(() => parseKnockPorts('1-5000')).toThrow(/knock-port/);
    expect(() => resolveCliOptions({ service: ['ssh'] })).toThrow(/service/);
  });

  it('with --knock-listen, runs real and synthetic packets through the engine', async () => {
    const [service] = await freePorts(1);
    const info = (await startCli([
      '--api-port',
      '0',
      '--api-ssl-port',
      'off',
      '--admin-port',
      '0',
      '--service',
      String(service),
    ])) as Listening & { knock: { listening: { protocol: string; port: number }[] } };
    expect(info.knock.listening).toEqual([{ protocol: 'tcp', port: service }]);
    const client = new RouterOSClient({
      id: 'cli-knock',
      host: '127.0.0.1',
      port: info.apiPort,
      tls: false,
      username: 'admin',
      password: '',
    });
    try {
      await client.add('/ip/firewall/filter', {
        chain: 'input',
        action: 'add-src-to-address-list',
        protocol: 'icmp',
        'packet-size': '720',
        'address-list': 'pinged',
        'address-list-timeout': '1m',
      });
      const admin = info.adminPort as number;
      const verdict = (await adminRequest(admin, {
        op: 'packet',
        packet: { kind: 'ping', src: '198.51.100.7', payloadSize: 692 },
      })) as { action: string; trace: unknown[] };
      expect(verdict).toMatchObject({ action: 'accept', trace: [{ action: 'add-src-to-address-list' }] });
      const state = (await adminRequest(admin, { op: 'state' })) as {
        addressLists: { ip: { list: string; address: string }[] };
      };
      expect(state.addressLists.ip).toMatchObject([{ list: 'pinged', address: '198.51.100.7' }]);
      expect(await adminRequest(admin, { op: 'firewall-reset' })).toEqual({ removed: 1 });
      await expect(adminRequest(admin, { op: 'packet', packet: { kind: 'syn' } })).rejects.toThrow(/dstPort/);
    } finally {
      await client.close();
    }
  });

  it('reads IPv6 list entries whole', () => {
    expect(parseListEntry('v6:2001:db8::1')).toEqual({ list: 'v6', address: '2001:db8::1', family: 'ipv6' });
  });

  it('runs standalone, reports its ports, serves the API and the admin socket', async () => {
    const info = await startCli([
      '--api-port',
      '0',
      '--api-ssl-port',
      '0',
      '--admin-port',
      '0',
      '--manual-clock',
      '--list',
      'kg:192.0.2.5:1h:knockgate:7',
      '--dns',
      'home.example.net=198.51.100.4',
    ]);
    expect(info.version).toBe('7.18');
    expect(info.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const client = new RouterOSClient({
      id: 'cli',
      host: '127.0.0.1',
      port: info.apiSslPort as number,
      tls: true,
      fingerprint: info.fingerprint256 as string,
      username: 'admin',
      password: '',
    });
    try {
      const rows = await client.print('/ip/firewall/address-list');
      expect(rows).toMatchObject([{ address: '192.0.2.5', timeout: '1h', comment: 'knockgate:7' }]);
      await client.add('/ip/firewall/address-list', { list: 'kg', address: 'home.example.net' });
      const admin = info.adminPort as number;
      await adminRequest(admin, { op: 'refresh-dns' });
      await adminRequest(admin, { op: 'advance', ms: 3_600_000 });
      const state = (await adminRequest(admin, { op: 'state' })) as {
        addressLists: { ip: { address: string }[] };
      };
      expect(state.addressLists.ip.map((e) => e.address)).toEqual(['home.example.net', '198.51.100.4']);
      await adminRequest(admin, { op: 'faults', set: { latencyMs: 1 } });
      expect(
        ((await adminRequest(admin, { op: 'state' })) as { faults: { latencyMs: number } }).faults.latencyMs,
      ).toBe(1);
      await expect(adminRequest(admin, { op: 'bogus' })).rejects.toThrow('unknown op');
      expect(await adminRequest(admin, { op: 'seed', list: 'bulk', count: 100 })).toEqual({ added: 100 });
      await adminRequest(admin, { op: 'reboot' });
      // Static entries survive the reboot; the client reconnects by itself.
      const count = await client
        .command(['/ip/firewall/address-list/print', '=count-only=', '?list=bulk'])
        .catch(() => client.command(['/ip/firewall/address-list/print', '=count-only=', '?list=bulk']));
      expect(count.done.ret).toBe('100');
    } finally {
      await client.close();
    }
  });
});
