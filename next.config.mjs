import createNextIntlPlugin from 'next-intl/plugin';

const withNextIntl = createNextIntlPlugin('./i18n/request.ts');

/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite must load its wasm from node_modules at run time, not from a bundle (see
  // docs/decisions.md); argon2 and postgres are native/CommonJS server packages.
  serverExternalPackages: ['@electric-sql/pglite', '@node-rs/argon2', 'postgres', 'pino', 'node-routeros'],
  poweredByHeader: false,
  // Type-checking runs once, in `npm run typecheck` (tsc --noEmit) before the build in CI.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
  experimental: {
    // forbidden() answers 403 from server components and actions.
    authInterrupts: true,
  },
};

export default withNextIntl(nextConfig);
