import { handleDyndnsUpdate } from '@/lib/ddns/update';
import { getGrantContext } from '@/lib/grants/context';
import { clientAddressFrom } from '@/lib/net/client-address';
import { errorText } from '@/lib/observability/error-text';
import { log } from '@/lib/observability/log';

export const dynamic = 'force-dynamic';

/**
 * DynDNS2 update endpoint for devices (ddclient, inadyn, routers' DDNS clients, scripts):
 * `GET /nic/update?hostname=<device>&myip=<ip>` with HTTP Basic auth (user name + device token).
 * The answer is the protocol's text (see lib/ddns/update.ts), never a stack trace. Next.js streams
 * the body; the HTTP front sends `/nic/` answers with a Content-Length (lib/ddns/framing.ts),
 * which simple clients such as ddclient 3.10 need.
 */
async function update(request: Request): Promise<Response> {
  try {
    const url = new URL(request.url);
    const result = await handleDyndnsUpdate(await getGrantContext(), {
      authorization: request.headers.get('authorization'),
      query: url.search.startsWith('?') ? url.search.slice(1) : url.search,
      clientAddress: clientAddressFrom(request.headers),
      userAgent: request.headers.get('user-agent'),
    });
    return new Response(result.body, { status: result.status, headers: result.headers });
  } catch (error) {
    // The database or something else on our side failed: 911 tells the client to retry later.
    log().error({ err: errorText(error) }, 'dyndns update failed');
    return new Response('911', {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    });
  }
}

export const GET = update;
export const POST = update;
