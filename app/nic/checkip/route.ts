import { clientAddressFrom } from '@/lib/net/client-address';

export const dynamic = 'force-dynamic';

/**
 * The caller's address in the classic checkip format (`Current IP Address: …`) that ddclient's
 * `webv4=` and inadyn's `checkip-server` read, so devices learn their public address from
 * Knockgate instead of a third-party service. It tells the caller only their own address.
 */
export function GET(request: Request): Response {
  const address = clientAddressFrom(request.headers)?.address ?? 'unknown';
  return new Response(
    `<html><head><title>Current IP Check</title></head><body>Current IP Address: ${address}</body></html>\n`,
    { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } },
  );
}
