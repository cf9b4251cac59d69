#!/usr/bin/env bash
# Shared by scripts/test.sh and scripts/main.sh: install what the toolkit needs on a fresh machine.
# Debian packages are installed only when running as root and only when missing.

install_system_packages() {
  missing=""
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
  done
  [ -n "$missing" ] || return 0
  if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: not root, cannot install:$missing (install them, or tests that need them will say so)" >&2
    return 0
  fi
  echo "bootstrap: installing Debian packages:$missing"
  apt-get update -qq
  # shellcheck disable=SC2086 # the list is one word per package on purpose
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

install_node_packages() {
  # npm ci is the reproducible install; skip it when node_modules was installed from this lock file.
  stamp=node_modules/.catalog-lock-sha256
  wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "bootstrap: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$wanted" > "$stamp"
  fi
}
