/**
 * The exact client commands for a profile, per platform, as the seed's "Client (CLI)" and
 * "MikroTik RouterOS as a client" slides list them: knockd's `knock`, `nc`, `hping3`, `ping -s/-p`
 * (Linux); `PortQry`, `ping -l`, `curl.exe` (Windows); `/system telnet`, `/ping size=`, `/tool fetch`
 * (RouterOS). Pure; the host is validated to a strict character set so nothing here can inject
 * shell syntax.
 */
import {
  describeStep,
  icmpPacketSize,
  icmpPatternHex,
  type Step,
  serviceClientPorts,
  stepTransport,
  type ValidProfile,
} from './model';
import { quoteValue } from './rsc';

export type StepCommands = {
  step: number;
  description: string;
  /** Alternatives, the first one is used in the script. Empty when the platform cannot send it. */
  linux: string[];
  windows: string[];
  routeros: string[];
};

export type ClientCommands = {
  host: string;
  steps: StepCommands[];
  /** One-line clients, only when every step is a plain TCP/UDP port. */
  oneLiners: { knock?: string; portqry?: string };
  /** Copy-paste scripts that run the whole sequence in order. */
  scripts: { linux: string; windows: string; routeros: string };
  /** Checking the protected service afterwards. */
  connect: { linux: string; windows: string };
  notes: string[];
  /** The same notes as stable codes, for a translated UI. */
  noteCodes: NoteCode[];
};

export type NoteCode = 'icmp_pattern_linux_only' | 'payload_needs_netcat' | 'http_path_browser';
type Notes = Map<NoteCode, string>;

export type CommandsError = { code: 'invalid_host'; message: string };
export type CommandsResult = { ok: true; commands: ClientCommands } | { ok: false; error: CommandsError };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

type Host = { text: string; isIpv6: boolean };

export function parseHost(input: string): Host | null {
  const text = input.trim().replace(/^\[(.*)\]$/, '$1');
  if (IPV4.test(text)) return { text, isIpv6: false };
  if (IPV6.test(text) && (text.match(/:/g)?.length ?? 0) >= 2) return { text, isIpv6: true };
  if (HOSTNAME.test(text) && !/^[\d.]+$/.test(text)) return { text, isIpv6: false };
  return null;
}

/** POSIX shell single quotes. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function urlFor(host: Host, port: number, path: string): string {
  const h = host.isIpv6 ? `[${host.text}]` : host.text;
  return `http://${h}${port === 80 ? '' : `:${port}`}${path}`;
}

function stepCommands(step: Step, index: number, host: Host, notes: Notes): StepCommands {
  const h = host.text;
  const base = { step: index + 1, description: describeStep(step) };
  switch (step.kind) {
    case 'tcp':
      return {
        ...base,
        linux: [`hping3 -S ${h} -c 1 -p ${step.port}`, `nc -z -w 1 ${h} ${step.port}`],
        windows: [`PortQry -n ${h} -e ${step.port} -p tcp`],
        // telnet waits for its connection, so the seed's client runs in the background.
        routeros: [`:execute script=${quoteValue(`/system telnet address=${h} port=${step.port}`)}`],
      };
    case 'udp':
      return {
        ...base,
        linux: [`echo | nc -u -w 1 ${h} ${step.port}`, `hping3 --udp ${h} -c 1 -p ${step.port}`],
        windows: [`PortQry -n ${h} -e ${step.port} -p udp`],
        // RouterOS 7 has no UDP client; a DNS query to that port is one datagram.
        routeros: [`:do { :resolve domain-name=knock server=${h} server-port=${step.port} } on-error={}`],
      };
    case 'icmp-size':
      return {
        ...base,
        linux: [`ping -c 1 -s ${step.payloadSize} ${h}`],
        windows: [`ping -n 1 -l ${step.payloadSize} ${h}`],
        // RouterOS `size` is the whole IP packet, headers included: payload + 28.
        routeros: [`/ping address=${h} count=1 size=${icmpPacketSize(step.payloadSize)}`],
      };
    case 'icmp-pattern':
      notes.set(
        'icmp_pattern_linux_only',
        'Windows ping and RouterOS /ping cannot choose the payload bytes: send the ICMP pattern step from Linux (ping -p).',
      );
      return {
        ...base,
        linux: [`ping -c 1 -p ${icmpPatternHex(step.pattern)} ${h}`],
        windows: [],
        routeros: [],
      };
    case 'payload': {
      notes.set(
        'payload_needs_netcat',
        'Data (payload) steps need netcat or a GUI client such as Packet Sender on Windows; RouterOS cannot send chosen data.',
      );
      const udp = step.protocol === 'udp' ? '-u ' : '';
      return {
        ...base,
        linux: [`printf '%s' ${shellQuote(step.content)} | nc ${udp}-w 1 ${h} ${step.port}`],
        windows: [],
        routeros: [],
      };
    }
    case 'http-get': {
      const url = urlFor(host, step.port, step.path);
      // cmd.exe expands % and treats ^&|<> specially; only plain paths get a Windows line.
      const plain = /^[A-Za-z0-9/._~-]*$/.test(step.path);
      if (!plain)
        notes.set(
          'http_path_browser',
          'The HTTP path has characters cmd.exe would change: open the URL in a browser on Windows.',
        );
      return {
        ...base,
        linux: [`curl -s -o /dev/null -m 3 ${shellQuote(url)}`],
        windows: plain ? [`curl.exe -s -o NUL -m 3 "${url}"`] : [],
        routeros: [`:do { /tool fetch url=${quoteValue(url)} output=none } on-error={}`],
      };
    }
  }
}

/** Commands a client runs to knock `profile` on `host` (address or DNS name). Never throws. */
export function clientCommands(profile: ValidProfile, hostInput: string): CommandsResult {
  const host = parseHost(hostInput);
  if (!host) {
    return {
      ok: false,
      error: { code: 'invalid_host', message: `"${hostInput}" is not an IPv4/IPv6 address or a host name.` },
    };
  }
  const notes: Notes = new Map();
  const steps = profile.steps.map((step, i) => stepCommands(step, i, host, notes));

  const oneLiners: ClientCommands['oneLiners'] = {};
  if (profile.steps.every((step) => step.kind === 'tcp' || step.kind === 'udp')) {
    const specs = profile.steps.map((step) => `${stepTransport(step)!.port}:${step.kind}`);
    oneLiners.knock = `knock${host.isIpv6 ? ' -6' : ''} ${host.text} ${specs.join(' ')}`;
    // PortQry sends both protocols to every port; the other protocol's packets match no step.
    oneLiners.portqry = `PortQry -n ${host.text} -o ${profile.steps.map((s) => stepTransport(s)!.port).join(',')} -p both`;
  }

  const script = (
    platform: 'linux' | 'windows' | 'routeros',
    comment: string,
    first: string[],
    between: string,
  ) => {
    const lines = [...first];
    steps.forEach((s, i) => {
      const command = s[platform][0];
      lines.push(command ?? `${comment} step ${s.step} (${s.description}): not possible here, see the notes`);
      if (between && i < steps.length - 1) lines.push(between);
    });
    return `${lines.join('\n')}\n`;
  };
  const title = `Knock ${profile.name} on ${host.text}`;
  const service = serviceClientPorts(profile.service);
  const firstPort = service.ports[0]!;

  return {
    ok: true,
    commands: {
      host: host.text,
      steps,
      oneLiners,
      scripts: {
        linux: script('linux', '#', ['#!/bin/sh', `# ${title}`], ''),
        windows: script('windows', 'REM', ['@echo off', `REM ${title}`], ''),
        // :execute returns at once, so a short delay keeps the knocks in order.
        routeros: script('routeros', '#', [`# ${title}`], ':delay 500ms'),
      },
      connect: {
        linux: `nc -z${service.protocol === 'udp' ? 'u' : ''} -w 2 ${host.text} ${firstPort} && echo open`,
        windows: `PortQry -n ${host.text} -e ${firstPort} -p ${service.protocol}`,
      },
      notes: [...notes.values()],
      noteCodes: [...notes.keys()],
    },
  };
}
