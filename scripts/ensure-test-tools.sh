#!/usr/bin/env bash
# The MediaMTX tests run the shipped hook commands with Debian's real wget, and check
# docker-compose.yml with Debian's docker-compose; the several-instances tests run the relays
# behind Debian's nginx. Installs them when missing (as root, with apt).
set -euo pipefail
# As root, the test PostgreSQL runs as the user postgres, which must be able to enter every folder
# above the checkout (its programs are in node_modules): say so in one line rather than with a stack.
if [ "$(id -u)" -eq 0 ]; then
  dir=$(pwd -P)
  while [ "$dir" != "/" ]; do
    perm=$(stat -c %a "$dir")
    if [ $(( ${perm: -1} & 1 )) -eq 0 ]; then
      echo "npm test: as root, the test PostgreSQL runs as the user postgres, which cannot enter $dir (mode $perm): clone the project outside private folders such as root's home, or run the tests as an ordinary user" >&2
      exit 1
    fi
    dir=$(dirname "$dir")
  done
fi
missing=()
command -v wget >/dev/null || missing+=(wget)
command -v docker-compose >/dev/null || missing+=(docker-compose)
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
