#!/usr/bin/env bash
# The flags scenario: a checkout service in production whose new tax engine,
# shipped behind a feature flag, fails every order. Flipping the flag off
# brings the old engine back. Everything lives under $DRILL_SANDBOX:
#   flags/state/FLAG     on or off, the flag service's state
#   flags/audit.log      one line per change: time, flag, old, new, who, why
#   prod/checkout        answers one order request: prod/checkout ORDER
#   bin/flagctl          the simulated flag service's command line
set -euo pipefail
cd "$DRILL_SANDBOX"

install -m 755 "$DRILL_SCENARIO_DIR"/bin/* bin/
mkdir -p flags/state prod
echo on > flags/state/checkout-new-tax-engine
echo on > flags/state/checkout-gift-wrap
echo off > flags/state/search-typo-tolerance
printf '2026-11-20T09:12:00Z checkout-new-tax-engine off -> on by @dana: launch the new tax engine\n' > flags/audit.log

cat > prod/checkout <<'APP'
#!/bin/sh
# Answers one order request: prod/checkout ORDER
set -eu
flags="$(dirname "$0")/../flags/state"
if [ "$(cat "$flags/checkout-new-tax-engine")" = on ]; then
  echo "500 tax engine: no rate for region 'unknown' (order $1)" >&2
  exit 1
fi
echo "200 order $1 accepted, tax computed by the classic engine"
APP
chmod +x prod/checkout
