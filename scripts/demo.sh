#!/usr/bin/env bash
# `npm run demo`: installs what is missing, builds, and starts Knockgate with its embedded
# database and simulated router on http://127.0.0.1:3000. The first run prints the admin sign-in.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node.sh
bash scripts/ensure-build.sh
export DATA_DIR="${DATA_DIR:-./data}"
mkdir -p "$DATA_DIR"
# A random secret kept with the demo's data, so restarts keep sessions and stored secrets.
if [ -z "${KNOCKGATE_SECRET:-}" ]; then
  if [ ! -s "$DATA_DIR/secret" ]; then
    (umask 077; node -e "process.stdout.write(require('node:crypto').randomBytes(48).toString('base64'))" > "$DATA_DIR/secret")
  fi
  KNOCKGATE_SECRET="$(cat "$DATA_DIR/secret")"
  export KNOCKGATE_SECRET
fi
export KNOCKGATE_DEMO=1 NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
exec node --import tsx server.ts "$@"
