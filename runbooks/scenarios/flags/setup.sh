#!/usr/bin/env bash
# The flags scenario: a checkout service in production whose new tax engine,
# shipped behind a feature flag, fails every order. Flipping the flag off
# brings the old engine back. Everything lives under $DRILL_SANDBOX:
#   flags/state/FLAG     on or off, the flag service's state
#   flags/audit.log      one line per change: time, flag, old, new, who, why
#   prod/checkout        answers one order request: prod/checkout ORDER
#   prod/tax-engine      the new tax engine's release: broken, or fixed once `release` ships the fix
#   bin/flagctl          the simulated flag service's command line
#   bin/release          the normal pipeline, as a game day's event: `release tax-engine-fix`
set -euo pipefail
cd "$DRILL_SANDBOX"

install -m 755 "$DRILL_SCENARIO_DIR"/bin/* bin/
mkdir -p flags/state prod
echo on > flags/state/checkout-new-tax-engine
echo on > flags/state/checkout-gift-wrap
echo off > flags/state/search-typo-tolerance
printf '2026-11-20T09:12:00Z checkout-new-tax-engine off -> on by @dana: launch the new tax engine\n' > flags/audit.log

echo broken > prod/tax-engine
cat > prod/checkout <<'APP'
#!/bin/sh
# Answers one order request: prod/checkout ORDER
# The new tax engine serves an order when its flag is on for it: on for every order, or,
# on for PERCENT %, for orders whose number ends in less than PERCENT (1001 is 1 %).
set -eu
here=$(dirname "$0")
flag="$here/../flags/state/checkout-new-tax-engine"
new_engine=no
if [ -f "$flag" ]; then
  state=$(cat "$flag")
  case "$state" in
    on) new_engine=yes ;;
    on:*) [ $(( $1 % 100 )) -lt "${state#on:}" ] && new_engine=yes ;;
  esac
else
  new_engine=yes  # the flag was removed: the new engine is the only one
fi
if [ "$new_engine" = yes ]; then
  if [ "$(cat "$here/tax-engine")" = broken ]; then
    echo "500 tax engine: no rate for region 'unknown' (order $1)" >&2
    exit 1
  fi
  echo "200 order $1 accepted, tax computed by the new engine"
else
  echo "200 order $1 accepted, tax computed by the classic engine"
fi
APP
chmod +x prod/checkout
