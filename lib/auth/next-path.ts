const BASE = 'http://knockgate.invalid';

/**
 * Only same-site relative paths may be a post-sign-in target (no open redirects). The checks run
 * on the path as a URL parser normalises it, since dot segments and encodings can turn an
 * innocent-looking path into `//evil.example` (a protocol-relative URL to another site).
 */
export function safeNextPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 500 || !value.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  const path = url.pathname;
  if (path.startsWith('//') || path.startsWith('/\\') || path.includes('\\')) return '/';
  if (path.startsWith('/signin') || path.startsWith('/api/') || path.startsWith('/_next/')) return '/';
  // Client-side navigations carry React's cache-busting parameter; it is not part of the page.
  url.searchParams.delete('_rsc');
  const result = path + url.search;
  // Whatever we return must resolve to this site again.
  return new URL(result, BASE).origin === BASE && !result.startsWith('//') ? result : '/';
}
