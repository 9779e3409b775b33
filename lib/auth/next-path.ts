/** Only same-site relative paths may be a post-sign-in target (no open redirects). */
export function safeNextPath(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  ) {
    return '/';
  }
  if (
    value.length > 500 ||
    value.startsWith('/signin') ||
    value.startsWith('/api/') ||
    value.startsWith('/_next/')
  ) {
    return '/';
  }
  const url = new URL(value, 'http://knockgate.invalid');
  // Client-side navigations carry React's cache-busting parameter; it is not part of the page.
  url.searchParams.delete('_rsc');
  return url.pathname + url.search;
}
