#!/usr/bin/env bash
# The browser tests (tests/e2e) drive Debian's chromium through Playwright: install it when
# missing (as root, or with passwordless sudo), like test-services.sh installs PostgreSQL.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "ensure-chromium: /usr/bin/chromium is missing; run 'sudo apt-get install -y chromium'" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q update >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q install -y chromium >&2
