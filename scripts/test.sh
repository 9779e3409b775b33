#!/usr/bin/env bash
# `npm test`: the whole test suite, as CI runs it on a clean clone (as root, no network beyond
# the npm and Debian registries). Installs what is missing, then: lint, typecheck, unit and
# integration tests on PGlite, the database tests again on a throwaway PostgreSQL, the build,
# and the Playwright suite in the system Chromium against the built app.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1 CI="${CI:-1}"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$(date +%s)

step "System packages"
bash scripts/ensure-system.sh
step "npm packages"
bash scripts/ensure-node.sh

step "Lint (biome)"
npx biome check .
step "Typecheck (tsc)"
npx tsc --noEmit

step "Unit and integration tests (PGlite)"
npx vitest run

step "Database tests on PostgreSQL"
pg_url="$(bash scripts/pg-cluster.sh start)"
trap 'bash scripts/pg-cluster.sh stop' EXIT
KNOCKGATE_TEST_DATABASE_URL="$pg_url" npx vitest run .db.test

step "Build"
rm -rf .next
bash scripts/ensure-build.sh

step "End-to-end tests (Playwright, Chromium)"
# The scale-out tests start two instances on the throwaway PostgreSQL.
KNOCKGATE_TEST_DATABASE_URL="$pg_url" npx playwright test

echo
echo "All tests passed in $(( $(date +%s) - started )) s."
