#!/usr/bin/env bash
# The MediaMTX tests run the shipped hook commands with Debian's real wget, check
# docker-compose.yml with Debian's docker-compose, and the web UI tests drive Debian's chromium.
# Installs them when missing (as root, with apt).
set -euo pipefail
missing=()
command -v wget >/dev/null || missing+=(wget)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v chromium >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing test tools: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  echo "the tests need: ${missing[*]} (install them with your package manager, e.g. sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
