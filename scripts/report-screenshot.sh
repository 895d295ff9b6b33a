#!/usr/bin/env bash
# Makes docs/report.png, the README's picture of `habitd report --html`: a
# made-up history (examples/report_demo.rs) in a throwaway home, its HTML
# report, and a screenshot of that in headless Chromium.
#
#   scripts/report-screenshot.sh [OUT.png]     (default docs/report.png)
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/../docs/report.png}")
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "report-screenshot: needs chromium (apt-get install chromium)" >&2; exit 2; }
cargo build -q --example report_demo --bin habitd
bin=${CARGO_TARGET_DIR:-$PWD/target}/debug
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME=$home XDG_DATA_HOME=$home/data XDG_CONFIG_HOME=$home/config TZ=${TZ:-Europe/Berlin}
unset DBUS_SESSION_BUS_ADDRESS
"$bin/examples/report_demo" "$XDG_DATA_HOME/habitd/habitd.db" 12
"$bin/habitd" report --html "$home/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$home/chromium" --window-size="${WIDTH:-1000},${HEIGHT:-2400}" \
  --screenshot="$out" "file://$home/report.html" 2>/dev/null
echo "wrote $out"
