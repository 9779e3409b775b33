/**
 * Option resolution of `npm run sim`, kept apart from cli.ts so the defaults can be tested without
 * starting anything: a fresh RouterOS 7.18 on 127.0.0.1:8728 / 8729, admin socket on 8730.
 */
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { ManualClock } from './clock';
import { type Policy, staticResolver, type UserConfig } from './router';
import type { SimulatorOptions } from './server';

export const CLI_OPTIONS = {
  host: { type: 'string' },
  'api-port': { type: 'string' },
  'api-ssl-port': { type: 'string' },
  'admin-port': { type: 'string' },
  version: { type: 'string' },
  'legacy-login': { type: 'boolean' },
  user: { type: 'string', multiple: true },
  identity: { type: 'string' },
  list: { type: 'string', multiple: true },
  dns: { type: 'string', multiple: true },
  'dns-refresh-ms': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'manual-clock': { type: 'boolean' },
  'knock-listen': { type: 'boolean' },
  service: { type: 'string', multiple: true },
  'knock-port': { type: 'string', multiple: true },
  config: { type: 'string' },
  help: { type: 'boolean' },
} as const;

export interface CliValues {
  host?: string;
  'api-port'?: string;
  'api-ssl-port'?: string;
  'admin-port'?: string;
  version?: string;
  'legacy-login'?: boolean;
  user?: string[];
  identity?: string;
  list?: string[];
  dns?: string[];
  'dns-refresh-ms'?: string;
  cert?: string;
  key?: string;
  'manual-clock'?: boolean;
  'knock-listen'?: boolean;
  service?: string[];
  'knock-port'?: string[];
  config?: string;
}

export interface FileConfig {
  host?: string;
  apiPort?: number;
  apiSslPort?: number | 'off';
  adminPort?: number | 'off';
  version?: string;
  legacyLogin?: boolean;
  users?: UserConfig[];
  identity?: string;
  addressLists?: SimulatorOptions['addressLists'];
  dns?: Record<string, string[]>;
  dnsRefreshMs?: number;
  cert?: string;
  key?: string;
  manualClock?: boolean;
  /** Loopback knock listeners (see docs/simulator.md, "Firewall engine and real knocks"). */
  knockListen?: boolean;
  services?: number[];
  knockPorts?: string[];
}

export function portValue(value: string | number | undefined, fallback: number | null): number | null {
  if (value === undefined) return fallback;
  if (value === 'off') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a port: ${value}`);
  return n;
}

export function parseUser(spec: string): UserConfig {
  const [name, password = '', policies] = spec.split(':');
  if (!name) throw new Error(`bad --user ${spec}`);
  return policies ? { name, password, policies: policies.split(',') as Policy[] } : { name, password };
}

export function parseListEntry(spec: string): NonNullable<SimulatorOptions['addressLists']>[number] {
  const first = spec.indexOf(':');
  if (first === -1) throw new Error(`bad --list ${spec}`);
  const list = spec.slice(0, first);
  const rest = spec.slice(first + 1);
  // An IPv6 address is full of colons: then the whole rest is the address (timeouts via --config).
  if (isIPv6(rest.split('/')[0] ?? '')) return { list, address: rest, family: 'ipv6' };
  const [address = '', timeout, ...comment] = rest.split(':');
  return {
    list,
    address,
    timeout: timeout || undefined,
    comment: comment.length > 0 ? comment.join(':') : undefined,
  };
}

/** `2022`, `9090:udp`, `30000-30099:tcp` → the ports to listen on (ranges up to 1024 ports). */
export function parseKnockPorts(spec: string): { port: number; protocol: 'tcp' | 'udp' }[] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?(?::(tcp|udp))?$/.exec(spec.trim());
  if (!m) throw new Error(`bad --knock-port ${spec} (use PORT[-PORT][:tcp|udp])`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1 || to > 65_535 || to < from || to - from >= 1024) throw new Error(`bad --knock-port ${spec}`);
  const protocols = m[3] ? [m[3] as 'tcp' | 'udp'] : (['tcp', 'udp'] as const);
  const out: { port: number; protocol: 'tcp' | 'udp' }[] = [];
  for (let port = from; port <= to; port += 1) for (const protocol of protocols) out.push({ port, protocol });
  return out;
}

export interface ResolvedCli {
  simulator: SimulatorOptions;
  adminPort: number | null;
  dnsRefreshMs: number;
  resolver: ReturnType<typeof staticResolver>;
}

export function resolveCliOptions(values: CliValues): ResolvedCli {
  const file: FileConfig = values.config
    ? (JSON.parse(readFileSync(values.config, 'utf8')) as FileConfig)
    : {};
  const dns: Record<string, string[]> = { ...file.dns };
  for (const spec of values.dns ?? []) {
    const [name, addresses = ''] = spec.split('=');
    if (name) dns[name] = addresses.split(',').filter(Boolean);
  }
  const resolver = staticResolver(dns);
  const certFile = values.cert ?? file.cert;
  const keyFile = values.key ?? file.key;
  return {
    simulator: {
      host: values.host ?? file.host ?? '127.0.0.1',
      apiPort: portValue(values['api-port'] ?? file.apiPort, 8728) ?? 8728,
      apiSslPort: portValue(values['api-ssl-port'] ?? file.apiSslPort, 8729),
      tls:
        certFile && keyFile
          ? { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }
          : undefined,
      version: values.version ?? file.version ?? '7.18',
      legacyLogin: values['legacy-login'] ?? file.legacyLogin,
      users: values.user?.map(parseUser) ?? file.users,
      identity: values.identity ?? file.identity,
      clock: (values['manual-clock'] ?? file.manualClock) ? new ManualClock(Date.now()) : undefined,
      resolver,
      addressLists: [...(file.addressLists ?? []), ...(values.list ?? []).map(parseListEntry)],
      knock: knockOptions(values, file),
    },
    adminPort: portValue(values['admin-port'] ?? file.adminPort, 8730),
    dnsRefreshMs: Number(values['dns-refresh-ms'] ?? file.dnsRefreshMs ?? 60_000),
    resolver,
  };
}

function knockOptions(values: CliValues, file: FileConfig): SimulatorOptions['knock'] {
  const services = [...(file.services ?? []), ...(values.service ?? []).map(Number)];
  for (const port of services) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`bad --service ${port}`);
  }
  const ports = [...(file.knockPorts ?? []), ...(values['knock-port'] ?? [])].flatMap(parseKnockPorts);
  // Naming a service or a port only makes sense with listeners, so it turns them on.
  const enabled =
    (values['knock-listen'] ?? file.knockListen ?? false) || services.length > 0 || ports.length > 0;
  if (!enabled) return undefined;
  return { services: services.map((port) => ({ port })), ports };
}
