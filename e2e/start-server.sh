#!/usr/bin/env bash
# Starts the built app for the e2e suite on a fresh data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf "$DATA_DIR"
mkdir -p "$DATA_DIR"
exec node --import tsx server.ts
