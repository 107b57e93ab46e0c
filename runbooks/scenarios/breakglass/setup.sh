#!/usr/bin/env bash
# The break-glass scenario: a production account reached only through a
# break-glass role, and an orders database whose disk is filling up. Everything
# lives under $DRILL_SANDBOX/cloud:
#   roles/breakglass/key        the role's current access key id
#   sessions/ID/                one per assumed session: its key, its expiry, ended?
#   resources/KIND-N            what was created, with the session that made it
#   api.log                     every call, with the session (the cloud's audit log)
#   db/orders/disk-used         the database's disk use, in percent
set -euo pipefail
cd "$DRILL_SANDBOX"

install -m 755 "$DRILL_SCENARIO_DIR"/bin/* bin/
mkdir -p cloud/roles/breakglass cloud/sessions cloud/resources cloud/db/orders
echo AKIAORIGINAL0001 > cloud/roles/breakglass/key
echo 97 > cloud/db/orders/disk-used
: > cloud/api.log
