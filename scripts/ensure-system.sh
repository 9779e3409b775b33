#!/usr/bin/env bash
# Installs the Debian packages Knockgate's tests use, only those missing:
#   chromium (Playwright's browser), postgresql (the second database driver), knockd (the
#   real `knock` client), ddclient and inadyn (real DynDNS2 clients), python3-librouteros
#   (an independent RouterOS API client), openssl.
set -euo pipefail
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(chromium postgresql knockd ddclient inadyn python3-librouteros openssl)
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]} — run as root or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# ddclient and inadyn ship services that start on install; Knockgate runs them only on demand
# in tests. Stopped only when this run installed them: daemons an operator already ran stay.
for svc in ddclient inadyn; do
  if [[ " ${missing[*]} " == *" $svc "* ]]; then pkill -x "$svc" 2>/dev/null || true; fi
done
