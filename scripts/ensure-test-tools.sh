#!/usr/bin/env bash
# The MediaMTX tests run the shipped hook commands with Debian's real wget, check
# docker-compose.yml with Debian's docker-compose, the web UI tests drive Debian's chromium, and
# the several-instances tests run the relays behind Debian's nginx. Installs them when missing
# (as root, with apt).
set -euo pipefail
missing=()
command -v wget >/dev/null || missing+=(wget)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v chromium >/dev/null || missing+=(chromium)
# The several-instances tests put Debian's nginx in front of two relays (test/support/nginx-proxy.ts).
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing test tools: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  echo "the tests need: ${missing[*]} (install them with your package manager, e.g. sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
