/** Settings shared by the Playwright config, the server it starts, and the tests. */
const port = Number(process.env.E2E_PORT ?? 3100);

export const E2E = {
  port,
  baseUrl: `http://127.0.0.1:${port}`,
  baseUrlV6: `http://[::1]:${port}`,
  dataDir: process.env.E2E_DATA_DIR ?? `/tmp/knockgate-e2e-${port}`,
  /** The server's log of this run (JSON lines), checked for leaked secrets at the end. */
  get logFile() {
    return `${this.dataDir}.log`;
  },
  /** Secrets the tests saw (generated passwords, tokens, TOTP secrets), one per line. */
  get secretsFile() {
    return `${this.dataDir}.secrets`;
  },
  admin: { username: 'e2e-admin', password: 'e2e-admin-password-0123' },
  secret: 'e2e-secret-that-is-long-enough-for-knockgate-0123456789',
  get serverEnv(): Record<string, string> {
    return {
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      HOST: '127.0.0.1,::1',
      PORT: String(port),
      DATA_DIR: this.dataDir,
      E2E_LOG_FILE: this.logFile,
      E2E_SECRETS_FILE: this.secretsFile,
      KNOCKGATE_SECRET: this.secret,
      KNOCKGATE_ADMIN_USER: this.admin.username,
      KNOCKGATE_ADMIN_PASSWORD: this.admin.password,
      LOG_LEVEL: 'info',
      RECONCILE_INTERVAL_SECONDS: '3',
    };
  },
};
