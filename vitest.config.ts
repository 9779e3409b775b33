import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['{lib,sim,cli,app,components,tests,server,i18n}/**/*.test.{ts,tsx}', 'server.test.ts'],
    exclude: ['node_modules/**', 'e2e/**', '.next/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
