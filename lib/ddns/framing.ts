import type { ServerResponse } from 'node:http';

/**
 * DynDNS2 clients are small HTTP clients. ddclient 3.10 (Debian 12) speaks HTTP/1.1 but reads the
 * body line by line without decoding chunked transfer encoding, so a streamed `good 1.2.3.4`
 * reaches it as the lines `11`, `good 1.2.3.4`, `0` and the update is reported as failed. Next.js
 * streams every route-handler body (and drops a Content-Length the handler sets), so the HTTP
 * front calls this for `/nic/` requests: the (small) body is collected and sent in one piece with
 * its length. Bodies above `limit` fall back to streaming, unchanged.
 */
export function frameWithContentLength(res: ServerResponse, limit = 64 * 1024): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let streaming = false;
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const flushHeaders = res.flushHeaders.bind(res);
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  let releasing = false;

  const toBuffer = (chunk: unknown, encoding?: unknown): Buffer =>
    Buffer.isBuffer(chunk)
      ? chunk
      : chunk instanceof Uint8Array
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  const callbackOf = (args: unknown[]) => args.find((a): a is () => void => typeof a === 'function');

  const startStreaming = () => {
    streaming = true;
    releasing = true;
    flushHeaders();
    for (const c of chunks.splice(0)) write(c);
  };

  // Headers go out with the body, when its length is known. Next.js's compression layer sends
  // them through `_implicitHeader()` → `writeHead()` before its first write, so writeHead is held
  // back too: its status and headers are kept on the response and sent at the end.
  res.flushHeaders = () => {
    if (streaming) flushHeaders();
  };
  res.writeHead = ((statusCode: number, ...rest: unknown[]) => {
    if (streaming || releasing) return writeHead(statusCode, ...rest);
    res.statusCode = statusCode;
    const headers = rest.find((r) => typeof r === 'object' && r !== null);
    if (typeof rest[0] === 'string') res.statusMessage = rest[0];
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(String(headers[i]), headers[i + 1]);
    } else if (headers) {
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) res.setHeader(name, value as string | string[]);
      }
    }
    return res;
  }) as ServerResponse['writeHead'];
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (streaming) return write(chunk, ...rest);
    const buffer = toBuffer(chunk, rest[0]);
    chunks.push(buffer);
    size += buffer.length;
    if (size > limit) startStreaming();
    callbackOf(rest)?.();
    return true;
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      res.write(chunk as string, typeof args[1] === 'string' ? (args[1] as BufferEncoding) : 'utf8');
    }
    const callback = callbackOf(args);
    releasing = true;
    if (streaming) return callback ? end(callback) : end();
    if (!res.headersSent) {
      res.removeHeader('transfer-encoding');
      res.setHeader('content-length', String(size));
    }
    const body = Buffer.concat(chunks.splice(0));
    return callback ? end(body, callback) : end(body);
  }) as ServerResponse['end'];
}
