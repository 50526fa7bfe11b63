#!/usr/bin/env bash
# Installs our addons with --test-enable in a fresh copy of the base database and reports
# the counts of Odoo's test runner. Usage: scripts/odoo-tests.sh [DBNAME]
# Leaves the database behind (for the end-to-end tests) and prints its name on the last line.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/db.sh"
"$ROOT/scripts/setup.sh" all
db="${1:-cci_test_$$}"
tmpl="$(base_template)"
db_copy "$tmpl" "$db"
logf="$LOCAL/odoo-tests-$db.log"
log "Installing $OUR_MODULES in $db with the Odoo tests (log: $logf)"
set +e
odoo_bin -d "$db" -i "$OUR_MODULES" --test-enable --stop-after-init \
    --http-port "$(free_port)" --log-level=test >"$logf" 2>&1
rc=$?
set -e
"$VENV/bin/python" "$ROOT/scripts/odoo_test_summary.py" "$logf" "$rc"
