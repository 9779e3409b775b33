#!/usr/bin/env bash
# Starts the built app for the e2e suite on a fresh data directory. Its output (JSON log lines) goes
# to E2E_LOG_FILE, which the last spec checks for leaked secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf "$DATA_DIR" "$E2E_LOG_FILE" "$E2E_SECRETS_FILE"
mkdir -p "$DATA_DIR"
echo "Knockgate e2e server log: $E2E_LOG_FILE" >&2
exec node --import tsx server.ts >>"$E2E_LOG_FILE" 2>&1
