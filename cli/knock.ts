#!/usr/bin/env -S npx --no-install tsx
import dgram from 'node:dgram';
/**
 * knock — classic port-knock client with the grongor/knock command line (the seed's script client):
 *
 *   knock [-h] [-t TIMEOUT] [-d DELAY] [-u] [-4|-6] host port[:protocol] [port[:protocol] ...]
 *
 * A TCP knock is a connect attempt given up after TIMEOUT ms (the SYN is what counts; a refused or
 * unanswered connection is still a knock); a UDP knock is one empty datagram. DELAY ms pass between
 * knocks (not after the last). Defaults as in grongor/knock: 200 ms each, TCP unless -u. IPv6 hosts
 * work (`::1` or `[::1]`); -4/-6 force the address family like knockd's `knock`.
 */
import { lookup } from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

export type KnockProtocol = 'tcp' | 'udp';
export type KnockTarget = { port: number; protocol: KnockProtocol };
export type KnockOptions = {
  host: string;
  knocks: KnockTarget[];
  timeoutMs: number;
  delayMs: number;
  family?: 4 | 6;
};

export type ParsedArgs = { kind: 'help' } | { kind: 'knock'; options: KnockOptions };

export type KnockArgErrorCode =
  | 'missing_host'
  | 'missing_port'
  | 'invalid_port'
  | 'invalid_protocol'
  | 'invalid_number'
  | 'missing_value'
  | 'unknown_option'
  | 'family_mismatch';
export type KnockArgError = { code: KnockArgErrorCode; message: string };
export type ArgsResult = { ok: true; value: ParsedArgs } | { ok: false; error: KnockArgError };

export const USAGE =
  'usage: knock [-h] [-t TIMEOUT] [-d DELAY] [-u] [-4|-6] host port[:protocol] [port[:protocol] ...]';

export const HELP = `${USAGE}

Port-knocking client (Knockgate). Sends one knock per port, in order.

positional arguments:
  host                  Host name or IP address to knock on (IPv6 as ::1 or [::1]).
  port[:protocol]       Port(s) to knock on; protocol tcp or udp (default tcp, or udp with -u).

options:
  -h, --help            Show this help and exit.
  -t, --timeout TIMEOUT Milliseconds to wait on a hanging TCP connection (default 200).
  -d, --delay DELAY     Milliseconds to wait between knocks (default 200).
  -u, --udp             Use UDP instead of TCP by default.
  -4, -6                Use IPv4 / IPv6 only when resolving the host.
`;

const MAX_MS = 600_000;

const argError = (code: KnockArgErrorCode, message: string): ArgsResult => ({
  ok: false,
  error: { code, message },
});

function parseMs(name: string, text: string | undefined): number | KnockArgError {
  if (text === undefined) return { code: 'missing_value', message: `${name} needs a value in milliseconds.` };
  if (!/^\d{1,7}$/.test(text) || Number(text) > MAX_MS) {
    return {
      code: 'invalid_number',
      message: `${name} must be a whole number of milliseconds (0–${MAX_MS}), got "${text}".`,
    };
  }
  return Number(text);
}

/** Pure argument parsing (no I/O), grongor/knock compatible. */
export function parseKnockArgs(argv: readonly string[]): ArgsResult {
  let timeoutMs = 200;
  let delayMs = 200;
  let defaultProtocol: KnockProtocol = 'tcp';
  let family: 4 | 6 | undefined;
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') return { ok: true, value: { kind: 'help' } };
    if (arg === '-u' || arg === '--udp') {
      defaultProtocol = 'udp';
      continue;
    }
    if (arg === '-4' || arg === '-6') {
      family = arg === '-4' ? 4 : 6;
      continue;
    }
    const option = /^(-t|--timeout|-d|--delay)(?:=(.*))?$/.exec(arg) ?? /^(-t|-d)(\d.*)$/.exec(arg);
    if (option) {
      const [, name, inline] = option;
      const value = inline ?? argv[++i];
      const ms = parseMs(name!, value);
      if (typeof ms !== 'number') return { ok: false, error: ms };
      if (name === '-t' || name === '--timeout') timeoutMs = ms;
      else delayMs = ms;
      continue;
    }
    // A lone "-x" is an option; "::1" and "[::1]" are hosts.
    if (arg.startsWith('-') && arg.length > 1)
      return argError('unknown_option', `Unknown option "${arg}".\n${USAGE}`);
    positionals.push(arg);
  }

  const [hostArg, ...ports] = positionals;
  if (hostArg === undefined) return argError('missing_host', `The host is missing.\n${USAGE}`);
  if (ports.length === 0) return argError('missing_port', `At least one port is needed.\n${USAGE}`);
  const host = hostArg.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return argError('missing_host', `The host is empty.\n${USAGE}`);
  const literal = net.isIP(host);
  if (family && literal && literal !== family) {
    return argError(
      'family_mismatch',
      `${host} is an IPv${literal} address; -${family} asks for IPv${family}.`,
    );
  }

  const knocks: KnockTarget[] = [];
  for (const spec of ports) {
    const match = /^(\d{1,5})(?::([A-Za-z]*))?$/.exec(spec);
    if (!match) return argError('invalid_port', `"${spec}" is not port[:protocol], e.g. 2022 or 9090:udp.`);
    const port = Number(match[1]);
    if (port < 1 || port > 65_535) return argError('invalid_port', `Port ${port} is outside 1–65535.`);
    const protocol = match[2]?.toLowerCase() ?? defaultProtocol;
    if (protocol !== 'tcp' && protocol !== 'udp') {
      return argError(
        'invalid_protocol',
        `Invalid protocol "${match[2]}" in "${spec}"; allowed values are "tcp" and "udp".`,
      );
    }
    knocks.push({ port, protocol });
  }
  return {
    ok: true,
    value: { kind: 'knock', options: { host, knocks, timeoutMs, delayMs, ...(family ? { family } : {}) } },
  };
}

// ---------------------------------------------------------------------------------------------
// Sending

export type KnockOutcome = 'connected' | 'refused' | 'timeout' | 'sent' | 'error';
export type KnockResult = KnockTarget & { outcome: KnockOutcome; detail?: string };
export type KnockRunError = { code: 'resolve_failed'; message: string };
export type KnockRunResult =
  | { ok: true; address: string; family: 4 | 6; results: KnockResult[] }
  | { ok: false; error: KnockRunError };

export type KnockDeps = {
  /** Waits between knocks; tests replace it to sequence knocks without real time. */
  sleep?: (ms: number) => Promise<void>;
  /** Opens the TCP connection attempt (tests may substitute one that never answers). */
  connect?: (options: { host: string; port: number; family: 4 | 6 }) => net.Socket;
  /** Resolves the host (default: the system resolver, like getaddrinfo in grongor/knock). */
  resolve?: (host: string, family?: 4 | 6) => Promise<{ address: string; family: number }>;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function tcpKnock(
  address: string,
  family: 4 | 6,
  port: number,
  timeoutMs: number,
  connect: NonNullable<KnockDeps['connect']>,
): Promise<KnockResult> {
  return new Promise((resolve) => {
    let socket: net.Socket;
    const finish = (outcome: KnockOutcome, detail?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ port, protocol: 'tcp', outcome, ...(detail ? { detail } : {}) });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    try {
      socket = connect({ host: address, port, family });
    } catch (error) {
      clearTimeout(timer);
      resolve({ port, protocol: 'tcp', outcome: 'error', detail: String(error) });
      return;
    }
    socket.once('connect', () => finish('connected'));
    // Refused or reset: the host answered the SYN, so the knock arrived (a firewall that accepts the
    // handshake and then resets, as the Knockgate simulator does, is a knock too).
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET'
        ? finish('refused', error.code)
        : finish('error', error.code ?? error.message),
    );
  });
}

function udpKnock(address: string, family: 4 | 6, port: number): Promise<KnockResult> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    const done = (outcome: KnockOutcome, detail?: string) => {
      socket.close();
      resolve({ port, protocol: 'udp', outcome, ...(detail ? { detail } : {}) });
    };
    socket.once('error', (error: NodeJS.ErrnoException) => done('error', error.code ?? error.message));
    // An empty datagram, as grongor/knock sends: the firewall matches on the port alone.
    socket.send(Buffer.alloc(0), port, address, (error) =>
      error ? done('error', (error as NodeJS.ErrnoException).code ?? error.message) : done('sent'),
    );
  });
}

/** Sends the knocks in order. Resolves the host once, like grongor/knock. Never throws. */
export async function knock(options: KnockOptions, deps: KnockDeps = {}): Promise<KnockRunResult> {
  const sleep = deps.sleep ?? defaultSleep;
  const connect = deps.connect ?? ((o) => net.connect({ host: o.host, port: o.port, family: o.family }));
  let address: string;
  let family: 4 | 6;
  try {
    const resolve = deps.resolve ?? ((host, fam) => lookup(host, fam ? { family: fam } : {}));
    const found = await resolve(options.host, options.family);
    address = found.address;
    family = found.family === 6 ? 6 : 4;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    return {
      ok: false,
      error: { code: 'resolve_failed', message: `Cannot resolve "${options.host}" (${code}).` },
    };
  }
  const results: KnockResult[] = [];
  for (const [i, target] of options.knocks.entries()) {
    results.push(
      target.protocol === 'tcp'
        ? await tcpKnock(address, family, target.port, options.timeoutMs, connect)
        : await udpKnock(address, family, target.port),
    );
    if (options.delayMs > 0 && i < options.knocks.length - 1) await sleep(options.delayMs);
  }
  return { ok: true, address, family, results };
}

export type Io = { out: (text: string) => void; err: (text: string) => void };

/** The command: exit 0 when every knock left the machine, 1 when one could not be sent, 2 on usage. */
export async function main(argv: readonly string[], io: Io, deps: KnockDeps = {}): Promise<number> {
  const parsed = parseKnockArgs(argv);
  if (!parsed.ok) {
    io.err(`knock: ${parsed.error.message}\n`);
    return 2;
  }
  if (parsed.value.kind === 'help') {
    io.out(HELP);
    return 0;
  }
  const run = await knock(parsed.value.options, deps);
  if (!run.ok) {
    io.err(`knock: ${run.error.message}\n`);
    return 1;
  }
  const failed = run.results.filter((r) => r.outcome === 'error');
  for (const r of failed)
    io.err(`knock: ${r.port}/${r.protocol} could not be sent (${r.detail ?? 'error'})\n`);
  return failed.length > 0 ? 1 : 0;
}

// Run as a program, also through a symlink (compared by the real path, as URLs).
if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href
) {
  main(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
}
