#!/usr/bin/env bash
# Re-vendors the front-end libraries of static/vendor/package.json from the npm registry:
# the built files and their licences are committed, node_modules is not.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp static/vendor/package.json "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts >/dev/null)
m="$work/node_modules"
cp "$m/@picocss/pico/css/pico.min.css" "$m/@picocss/pico/LICENSE.md" static/vendor/pico/
cp "$m/chart.js/dist/chart.umd.min.js" "$m/chart.js/LICENSE.md" static/vendor/chartjs/
cp "$m/htmx.org/dist/htmx.min.js" "$m/htmx.org/LICENSE" static/vendor/htmx/
# axe-core: the accessibility checker the browser tests inject (tests/e2e); no page loads it.
cp "$m/axe-core/axe.min.js" "$m/axe-core/LICENSE" "$m/axe-core/LICENSE-3RD-PARTY.txt" static/vendor/axe-core/
echo "static/vendor/ refreshed from npm" >&2
