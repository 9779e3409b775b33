import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { frameWithContentLength } from '../ddns/framing';
import type { Env } from '../env';
import { CLIENT_ADDRESS_HEADER, REQUEST_PATH_HEADER, SERVER_TOKEN_HEADER } from '../net/client-address';
import {
  ALWAYS_STRIPPED,
  FORWARDING_HEADERS,
  PROXY_CONTEXT_HEADERS,
  resolveClientAddress,
} from '../net/forwarded';
import { type IpAddress, normalizeSocketAddress } from '../net/ip';
import { requestContext } from '../observability/context';
import { errorText } from '../observability/error-text';
import { log } from '../observability/log';
import { metrics } from '../observability/metrics';
import {
  API_CSP,
  baseSecurityHeaders,
  contentSecurityPolicy,
  isCrossSiteWrite,
  newNonce,
} from './security-headers';

/** Request bodies above this are refused before they reach the app (forms and API calls are small). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Everything that happens to a request before Next.js sees it: the client address from the
 * socket (forwarding headers only from trusted proxies), headers only we may set, security
 * headers and the CSP nonce, CSRF and body-size refusals, the request context for logs, and the
 * access log line with its metrics.
 */
export function createRequestFront(options: {
  env: Pick<Env, 'TRUSTED_PROXY_HEADER' | 'authUrl'>;
  isTrusted: (address: IpAddress) => boolean;
  serverToken: string;
  dev: boolean;
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}) {
  const { env, isTrusted, serverToken, dev, handle } = options;
  const httpsByConfig = env.authUrl.startsWith('https://');

  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const peer = normalizeSocketAddress(req.socket.remoteAddress);
    const fromTrustedProxy = peer !== undefined && isTrusted(peer);
    const client = resolveClientAddress({
      peer: req.socket.remoteAddress,
      headers: req.headers,
      isTrusted,
      header: env.TRUSTED_PROXY_HEADER,
    });
    const forwardedProto = fromTrustedProxy ? String(req.headers['x-forwarded-proto'] ?? '') : '';
    const https = httpsByConfig || forwardedProto === 'https';
    const incomingId = fromTrustedProxy ? String(req.headers['x-request-id'] ?? '') : '';
    const requestId = /^[\w.-]{6,64}$/.test(incomingId) ? incomingId : randomBytes(8).toString('hex');

    for (const name of ALWAYS_STRIPPED) delete req.headers[name];
    for (const name of FORWARDING_HEADERS) delete req.headers[name];
    if (!fromTrustedProxy) {
      for (const name of PROXY_CONTEXT_HEADERS) delete req.headers[name];
      delete req.headers['x-request-id'];
    }
    delete req.headers['content-security-policy'];
    if (client) req.headers[CLIENT_ADDRESS_HEADER] = client.address;
    req.headers[SERVER_TOKEN_HEADER] = serverToken;
    if (req.url) req.headers[REQUEST_PATH_HEADER] = req.url;

    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of Object.entries(baseSecurityHeaders({ https }))) res.setHeader(name, value);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/api/') || path.startsWith('/nic/') || path.startsWith('/_next/static/')) {
      res.setHeader('Content-Security-Policy', API_CSP);
    } else {
      const csp = contentSecurityPolicy(newNonce(), { https, dev });
      // Next.js takes the nonce for its own scripts from the request's CSP header.
      req.headers['content-security-policy'] = csp;
      res.setHeader('Content-Security-Policy', csp);
    }

    const context = { requestId, ...(client ? { clientAddress: client.address } : {}) };
    res.on('finish', () => {
      const ms = performance.now() - started;
      metrics().httpRequests.observe(
        { method: req.method ?? 'GET', status: String(res.statusCode) },
        ms / 1000,
      );
      if (path.startsWith('/_next/static/')) return;
      requestContext.run(context, () =>
        log().info(
          { method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
          'request',
        ),
      );
    });

    // DynDNS2 updates are GETs that a browser with saved Basic credentials could be tricked into
    // sending from another site; device clients never send Sec-Fetch-Site.
    const crossSiteUpdate = path.startsWith('/nic/') && req.headers['sec-fetch-site'] === 'cross-site';
    if (crossSiteUpdate || isCrossSiteWrite(req.method, req.headers.origin, req.headers.host)) {
      res.statusCode = 403;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('Cross-site request refused.');
      return;
    }
    // A body without a length (chunked) could stream without end into handlers that read it
    // whole (the auth endpoints do); only server actions, which Next.js limits itself, may send one.
    // Actions are posted to pages, never to route handlers: a `next-action` header (which any
    // client can send) counts only there.
    const streamed =
      req.headers['transfer-encoding'] !== undefined && req.headers['content-length'] === undefined;
    const routeHandler = path.startsWith('/api/') || path.startsWith('/nic/') || path === '/icon.svg';
    const serverAction = req.headers['next-action'] !== undefined && !routeHandler;
    if (streamed && !serverAction && !['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET')) {
      res.statusCode = 411;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('Connection', 'close');
      res.end('Length required.');
      req.resume();
      return;
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(length) && length > MAX_BODY_BYTES) {
      res.statusCode = 413;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('Connection', 'close');
      res.end('Request body too large.');
      req.resume();
      return;
    }

    // DynDNS2 clients (ddclient 3.10) cannot read chunked bodies: answer with a Content-Length.
    if (path.startsWith('/nic/')) frameWithContentLength(res);
    requestContext.run(context, () => {
      handle(req, res).catch((error: unknown) => {
        log().error({ err: errorText(error) }, 'request failed');
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end('Internal error');
        }
      });
    });
  };
}
