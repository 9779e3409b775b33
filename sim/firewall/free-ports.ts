/**
 * Ports that are free for both TCP and UDP on a loopback address, for tests that must not assume
 * any fixed port (22, 2022, … may be taken). Candidates are drawn at random from below the
 * kernel's ephemeral range: ports handed out for `listen(0)` and outgoing connections (other test
 * files running at the same time) come from that range, so they cannot take ours between this
 * call and the caller's bind. Each port is held until all are found, so one call never returns the
 * same port twice; a small race with another process drawing the same number remains, and callers
 * retry on EADDRINUSE.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';

const MAX_ATTEMPTS_PER_PORT = 20;

/** [low, high] below the ephemeral range (Linux default 32768–60999). */
function candidateRange(): [number, number] {
  let ephemeralStart = 32_768;
  try {
    const [start] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    if (Number(start) > 12_000) ephemeralStart = Number(start);
  } catch {
    // Not Linux: keep the default.
  }
  return [10_000, ephemeralStart - 1];
}
function bindTcp(host: string, port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function bindUdp(host: string, port: number): Promise<dgram.Socket | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(null);
    });
    socket.bind({ port, address: host, exclusive: true }, () => resolve(socket));
  });
}

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const [low, high] = candidateRange();
  const held: (() => Promise<void>)[] = [];
  const ports: number[] = [];
  const tried = new Set<number>();
  try {
    for (let attempts = 0; ports.length < count && attempts < count * MAX_ATTEMPTS_PER_PORT; attempts += 1) {
      const port = low + Math.floor(Math.random() * (high - low + 1));
      if (tried.has(port)) continue;
      tried.add(port);
      const tcp = await bindTcp(host, port);
      if (!tcp) continue;
      held.push(() => new Promise<void>((resolve) => tcp.close(() => resolve())));
      const udp = await bindUdp(host, port);
      if (!udp) continue;
      held.push(() => new Promise<void>((resolve) => udp.close(() => resolve())));
      ports.push(port);
    }
  } finally {
    await Promise.all(held.map((release) => release()));
  }
  if (ports.length < count) throw new Error(`only ${ports.length} of ${count} free TCP+UDP ports found`);
  return ports;
}
