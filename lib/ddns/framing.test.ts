import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { frameWithContentLength } from './framing';

/**
 * Through a real HTTP server on loopback, read back with a raw socket the way ddclient 3.10 reads
 * (HTTP/1.1 request, `Connection: close`, response taken as it comes on the wire).
 */
let server: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function rawGet(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('connect', () =>
      socket.write(`GET /nic/update HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

/** What Next.js does with a route handler's answer: headers flushed first, then chunks. */
function streamed(res: http.ServerResponse, parts: string[]) {
  res.statusCode = 200;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.flushHeaders();
  for (const p of parts) res.write(Buffer.from(p));
  res.end();
}

describe('frameWithContentLength', () => {
  it('without it a streamed answer is chunked (what breaks ddclient 3.10)', async () => {
    const raw = await rawGet((_req, res) => streamed(res, ['good 198.51.100.7']));
    expect(raw).toMatch(/transfer-encoding: chunked/i);
    expect(raw).toContain('\r\n11\r\ngood 198.51.100.7\r\n0\r\n');
  });

  it('with it the same answer goes out in one piece with its length', async () => {
    const raw = await rawGet((_req, res) => {
      frameWithContentLength(res);
      streamed(res, ['good ', '198.51.100.7']);
    });
    expect(raw).not.toMatch(/transfer-encoding/i);
    expect(raw).toMatch(/content-length: 17\r\n/i);
    expect(raw.endsWith('\r\n\r\ngood 198.51.100.7')).toBe(true);
  });

  it("also behind Next.js's compression layer, which sends headers through writeHead itself", async () => {
    const compression = createRequire(import.meta.url)('next/dist/compiled/compression') as () => (
      req: http.IncomingMessage,
      res: http.ServerResponse,
      next: () => void,
    ) => void;
    const raw = await rawGet((req, res) => {
      frameWithContentLength(res);
      compression()(req, res, () => {
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' });
        res.flushHeaders();
        res.write(Buffer.from('badauth'));
        res.end();
      });
    });
    expect(raw).toMatch(/^HTTP\/1\.1 401/);
    expect(raw).not.toMatch(/transfer-encoding/i);
    expect(raw).toMatch(/content-length: 7\r\n/i);
    expect(raw).toMatch(/www-authenticate: Basic realm="x"\r\n/i);
    expect(raw.endsWith('\r\n\r\nbadauth')).toBe(true);
  });

  it('counts bytes, not characters, and handles end(body) and an empty body', async () => {
    const utf8 = await rawGet((_req, res) => {
      frameWithContentLength(res);
      res.setHeader('x', 'y');
      res.end('nochg ü');
    });
    expect(utf8).toMatch(/content-length: 8\r\n/i);
    const empty = await rawGet((_req, res) => {
      frameWithContentLength(res);
      res.statusCode = 204;
      res.end();
    });
    expect(empty).toMatch(/^HTTP\/1\.1 204/);
    expect(empty).not.toMatch(/transfer-encoding/i);
  });

  it('a body above the limit falls back to streaming, complete and in order', async () => {
    const raw = await rawGet((_req, res) => {
      frameWithContentLength(res, 10);
      streamed(res, ['0123456789', 'abcdef', 'XYZ']);
    });
    expect(raw).toMatch(/transfer-encoding: chunked/i);
    const body = raw
      .split('\r\n\r\n')[1]!
      .split('\r\n')
      .filter((_, i) => i % 2 === 1)
      .join('');
    expect(body).toBe('0123456789abcdefXYZ');
  });
});
