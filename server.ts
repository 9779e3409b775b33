/**
 * Knockgate's server: Next.js behind our own HTTP front so that the client address comes from
 * the socket (never from a header a client could forge), background jobs have a home, and a bad
 * configuration stops start-up with a message naming the variable.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import next from 'next';
import { ConfigError, getEnv } from './lib/env';
import { setServerToken } from './lib/net/client-address';
import { cidrMatcher } from './lib/net/ip';
import { type BootOptions, boot } from './lib/server/boot';
import { createRequestFront } from './lib/server/front';
import { ignoreBrokenPipes } from './lib/server/pipes';

ignoreBrokenPipes();

async function main() {
  const dev = process.argv.includes('--dev');
  let env: ReturnType<typeof getEnv>;
  try {
    env = getEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  const options: BootOptions = { demo: env.KNOCKGATE_DEMO };
  const services = await boot(options);

  const token = randomBytes(24).toString('base64url');
  setServerToken(token);
  const isTrusted = cidrMatcher(env.TRUSTED_PROXIES);

  const hosts = env.hosts;
  const app = next({ dev, hostname: hosts[0], port: env.PORT, dir: process.cwd() });
  const handle = app.getRequestHandler();
  await app.prepare();

  const onRequest = createRequestFront({ env, isTrusted, serverToken: token, dev, handle });

  const servers = await Promise.all(
    hosts.map(
      (host) =>
        new Promise<http.Server>((resolve, reject) => {
          const server = http.createServer(onRequest);
          server.on('error', reject);
          server.listen(env.PORT, host, () => resolve(server));
        }),
    ),
  );
  for (const server of servers) {
    const address = server.address();
    if (address && typeof address === 'object') {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      console.log(`Knockgate listening on http://${host}:${address.port}${dev ? ' (development)' : ''}`);
    }
  }
  services.printBanner();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Knockgate stopping (${signal})…`);
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await services.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message || String(error) : error);
  process.exit(1);
});
