import { describe, expect, it } from 'vitest';
import { clientCommands, parseHost } from './commands';
import type { ValidProfile } from './model';
import { makeProfile } from './testing/factories';

function commandsFor(profile: ValidProfile, host = '192.0.2.1') {
  const result = clientCommands(profile, host);
  if (!result.ok) throw new Error(result.error.message);
  return result.commands;
}

describe('clientCommands for the seed TCP/UDP sequence', () => {
  const commands = commandsFor(makeProfile());

  it('gives the knockd and PortQry one-liners of the seed slides', () => {
    expect(commands.oneLiners).toEqual({
      knock: 'knock 192.0.2.1 2022:tcp 9090:udp 4022:tcp',
      portqry: 'PortQry -n 192.0.2.1 -o 2022,9090,4022 -p both',
    });
  });

  it('gives per-step commands for every platform', () => {
    expect(commands.steps[0]).toEqual({
      step: 1,
      description: 'TCP port 2022',
      linux: ['hping3 -S 192.0.2.1 -c 1 -p 2022', 'nc -z -w 1 192.0.2.1 2022'],
      windows: ['PortQry -n 192.0.2.1 -e 2022 -p tcp'],
      routeros: [':execute script="/system telnet address=192.0.2.1 port=2022"'],
    });
    expect(commands.steps[1]!.linux[0]).toBe('echo | nc -u -w 1 192.0.2.1 9090');
    expect(commands.steps[1]!.routeros[0]).toBe(
      ':do { :resolve domain-name=knock server=192.0.2.1 server-port=9090 } on-error={}',
    );
  });

  it('writes scripts that run the steps in order', () => {
    expect(commands.scripts.linux).toBe(
      [
        '#!/bin/sh',
        '# Knock SSH knock on 192.0.2.1',
        'hping3 -S 192.0.2.1 -c 1 -p 2022',
        'echo | nc -u -w 1 192.0.2.1 9090',
        'hping3 -S 192.0.2.1 -c 1 -p 4022',
        '',
      ].join('\n'),
    );
    expect(commands.scripts.routeros.split('\n').filter((l) => l === ':delay 500ms')).toHaveLength(2);
    expect(commands.connect.linux).toBe('nc -z -w 2 192.0.2.1 22 && echo open');
  });
});

describe('clientCommands for ICMP and HTTP steps', () => {
  const profile = makeProfile({
    steps: [
      { kind: 'tcp', port: 2022 },
      { kind: 'icmp-size', payloadSize: 692 },
      { kind: 'icmp-pattern', pattern: 'mikrotik' },
      { kind: 'http-get', port: 8080, path: '/mikrotik' },
      { kind: 'payload', protocol: 'udp', port: 9999, content: "it's me" },
    ],
  });
  const commands = commandsFor(profile);

  it('ping -s / -l with the payload size, RouterOS /ping with payload + 28', () => {
    expect(commands.steps[1]).toMatchObject({
      linux: ['ping -c 1 -s 692 192.0.2.1'],
      windows: ['ping -n 1 -l 692 192.0.2.1'],
      routeros: ['/ping address=192.0.2.1 count=1 size=720'],
    });
  });

  it('ping -p with the hex pattern, and notes where a platform cannot send a step', () => {
    expect(commands.steps[2]).toMatchObject({
      linux: ['ping -c 1 -p 6d696b726f74696b 192.0.2.1'],
      windows: [],
    });
    expect(commands.scripts.windows).toContain(
      'REM step 3 (ping -p 6d696b726f74696b ("mikrotik")): not possible here',
    );
    expect(commands.notes.length).toBeGreaterThan(0);
    expect(commands.noteCodes).toContain('icmp_pattern_linux_only');
    expect(commands.oneLiners).toEqual({});
  });

  it('curl for HTTP GET and /tool fetch on RouterOS; payloads are shell-quoted', () => {
    expect(commands.steps[3]).toMatchObject({
      linux: ["curl -s -o /dev/null -m 3 'http://192.0.2.1:8080/mikrotik'"],
      windows: ['curl.exe -s -o NUL -m 3 "http://192.0.2.1:8080/mikrotik"'],
      routeros: [':do { /tool fetch url=http://192.0.2.1:8080/mikrotik output=none } on-error={}'],
    });
    expect(commands.steps[4]!.linux).toEqual([`printf '%s' 'it'\\''s me' | nc -u -w 1 192.0.2.1 9999`]);
  });

  it('brackets IPv6 hosts in URLs and asks knockd for IPv6', () => {
    const v6 = commandsFor(makeProfile(), '[2001:db8::1]');
    expect(v6.oneLiners.knock).toBe('knock -6 2001:db8::1 2022:tcp 9090:udp 4022:tcp');
    const http = commandsFor(profile, '2001:db8::1');
    expect(http.steps[3]!.linux[0]).toBe("curl -s -o /dev/null -m 3 'http://[2001:db8::1]:8080/mikrotik'");
  });
});

describe('hosts', () => {
  it.each(['192.0.2.1', 'router.example.net', '2001:db8::1', '[::1]'])('accepts %s', (host) => {
    expect(parseHost(host)).not.toBeNull();
  });

  it.each(['', 'a b', 'host;reboot', '$(id)', '192.0.2.999', "x'y"])(
    'rejects %j with a typed error',
    (host) => {
      expect(clientCommands(makeProfile(), host)).toMatchObject({
        ok: false,
        error: { code: 'invalid_host' },
      });
    },
  );
});
