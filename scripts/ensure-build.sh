#!/usr/bin/env bash
# Builds the app when there is no build or a source file is newer than it.
set -euo pipefail
export NEXT_TELEMETRY_DISABLED=1
stamp=.next/BUILD_ID
if [ -f "$stamp" ] && [ -z "$(find app components lib i18n messages next.config.mjs postcss.config.mjs package-lock.json \
      -newer "$stamp" -type f -print -quit 2>/dev/null)" ]; then
  exit 0
fi
echo "Building Knockgate…"
npx next build >/tmp/knockgate-build.log 2>&1 || { cat /tmp/knockgate-build.log; exit 1; }
