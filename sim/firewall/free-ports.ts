/**
 * Ports that are free for both TCP and UDP on a loopback address, for tests that must not assume
 * any fixed port (22, 2022, … may be taken). Each port is held open until all are found, so one
 * call never returns the same port twice; a small race remains until the caller binds them.
 */
import dgram from 'node:dgram';
import net from 'node:net';

const MAX_ATTEMPTS_PER_PORT = 20;

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
  const held: (() => Promise<void>)[] = [];
  const ports: number[] = [];
  try {
    for (let attempts = 0; ports.length < count && attempts < count * MAX_ATTEMPTS_PER_PORT; attempts += 1) {
      const tcp = await bindTcp(host, 0);
      if (!tcp) continue;
      const port = (tcp.address() as net.AddressInfo).port;
      const udp = await bindUdp(host, port);
      held.push(() => new Promise<void>((resolve) => tcp.close(() => resolve())));
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
