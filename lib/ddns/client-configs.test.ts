import { describe, expect, it } from 'vitest';
import {
  curlCommand,
  ddclientConfig,
  inadynConfig,
  refreshSecondsFor,
  routerOsScript,
} from './client-configs';

const device = {
  username: 'alice',
  token: 'tok_EN-123',
  hostname: 'nas.dyn.example.net',
  refreshSeconds: 43_200,
};

describe('client configurations', () => {
  it('ddclient: dyndns2 against Knockgate, address from /nic/checkip, TLS when the URL is https', () => {
    const text = ddclientConfig({ ...device, baseUrl: 'https://knock.example.net' });
    expect(text).toContain('protocol=dyndns2\n');
    expect(text).toContain('server=knock.example.net\n');
    expect(text).toContain('ssl=yes\n');
    expect(text).toContain('use=web, web=https://knock.example.net/nic/checkip\n');
    expect(text).toContain("login=alice\npassword='tok_EN-123'\nnas.dyn.example.net\n");
    expect(text).toContain('max-interval=43200\n');
    expect(text).toContain('daemon=300\n');
  });

  it('ddclient on a plain-HTTP port with a command for the address', () => {
    const text = ddclientConfig({
      ...device,
      baseUrl: 'http://127.0.0.1:3300',
      ipv4Command: '/tmp/kg/ip.sh',
    });
    expect(text).toContain('ssl=no\n');
    expect(text).toContain('server=127.0.0.1:3300\n');
    expect(text).toContain('use=cmd, cmd=/tmp/kg/ip.sh\n');
    expect(text).not.toContain('web=');
  });

  it('inadyn: a custom provider with the DynDNS2 path and Knockgate as checkip server', () => {
    const text = inadynConfig({ ...device, baseUrl: 'http://knock.lan:8080' });
    expect(text).toContain('custom knockgate {');
    expect(text).toContain('ddns-server     = knock.lan:8080');
    expect(text).toContain('ddns-path       = "/nic/update?hostname=%h&myip=%i"');
    expect(text).toContain('checkip-server  = knock.lan:8080');
    expect(text).toContain('checkip-ssl     = false');
    expect(text).toContain('ssl             = false');
    expect(text).toContain('forced-update = 43200');
    const cmd = inadynConfig({ ...device, baseUrl: 'https://k.example', checkipCommand: 'echo 1' });
    expect(cmd).toContain('checkip-command = "echo 1"');
    expect(cmd).not.toContain('checkip-server');
  });

  it('RouterOS script and curl call the update URL with the device credentials', () => {
    const script = routerOsScript({ ...device, baseUrl: 'https://knock.example.net' });
    expect(script).toContain(
      '/tool fetch url="https://knock.example.net/nic/update?hostname=nas.dyn.example.net" user="alice" password="tok_EN-123" check-certificate=yes output=user as-value',
    );
    expect(script).toContain('/system scheduler add name=knockgate-ddns interval=300s');
    expect(curlCommand({ ...device, baseUrl: 'https://knock.example.net/' })).toBe(
      "curl -fsS -u 'alice:tok_EN-123' 'https://knock.example.net/nic/update?hostname=nas.dyn.example.net'",
    );
  });

  it('refreshes at half the grant lifetime, never more often than a minute', () => {
    expect(refreshSecondsFor(86_400)).toBe(43_200);
    expect(refreshSecondsFor(60)).toBe(60);
  });
});
