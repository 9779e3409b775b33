import net from 'node:net';

/** Shared by benchmarks and end-to-end helpers that start the built app themselves. */

/** A free TCP port on loopback (the kernel picks it; closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `GET /api/health` answers 200, for at most `timeoutMs`; gives up at once when
 * `alive()` says the server process is gone.
 */
export async function waitForHealth(
  base: string,
  timeoutMs = 60_000,
  alive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the server for ${base} exited before it was healthy`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${base} did not become healthy within ${timeoutMs} ms`);
}

/**
 * Signs in through the real credentials endpoint (CSRF token first, as a browser does) and returns
 * the session cookie (`knockgate.session=…`).
 */
export async function signInOverHttp(base: string, username: string, password: string): Promise<string> {
  const csrfRes = await fetch(`${base}/api/auth/csrf`);
  const jar = (csrfRes.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar },
    body: new URLSearchParams({ username, password, csrfToken, json: 'true' }),
  });
  const session = (res.headers.getSetCookie?.() ?? []).find((c) => c.startsWith('knockgate.session='));
  if (!session) throw new Error(`sign-in of ${username} failed`);
  return session.split(';')[0]!;
}
