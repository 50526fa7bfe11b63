#!/usr/bin/env bash
# make test: from nothing, everything. Odoo tests of the addons (Odoo's runner), then the
# end-to-end suite (pytest, real server over XML-RPC). Ends with one line that counts both.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/db.sh"
start=$(date +%s)
"$ROOT/scripts/setup.sh" all
db="cci_test_$$"
trap 'db_drop "$db" >/dev/null 2>&1 || true' EXIT
# This run's outputs, named after its database: .local is shared by the checkouts, and
# another `make test` may run meanwhile
odoo_out="$LOCAL/odoo-tests-$db.out"
pytest_out="$LOCAL/pytest-$db.out"

set +e
"$ROOT/scripts/odoo-tests.sh" "$db" | tee "$odoo_out"
odoo_rc=${PIPESTATUS[0]}
odoo_line="$(grep -E '^odoo: [0-9]+ passed, [0-9]+ failed' "$odoo_out" | tail -1)"

log "French translations: every term of the addons has one (scripts/i18n.py check)"
i18n_fail=0
"$VENV/bin/python" "$ROOT/scripts/i18n.py" check "$db" || i18n_fail=1

"$ROOT/scripts/setup.sh" browser
log "End-to-end tests (pytest: XML-RPC and browser)"
CCI_E2E_TEMPLATE="$db" "$VENV/bin/python" -m pytest -p no:cacheprovider -ra "$ROOT/tests" \
    | tee "$pytest_out"
py_rc=${PIPESTATUS[0]}
set -e

read -r o_pass o_fail < <(echo "$odoo_line" | sed -E 's/odoo: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')
summary="$(tail -1 "$pytest_out")"
p_pass=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
p_fail=$(( $(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0) \
         + $(echo "$summary" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+' || echo 0) ))
[ "$py_rc" = 5 ] && p_fail=$((p_fail + 1))  # pytest collected nothing: that is a failure
log "make test took $(( $(date +%s) - start )) s (outputs: $odoo_out, $pytest_out)"
echo "total: $(( ${o_pass:-0} + p_pass + 1 - i18n_fail )) passed, $(( ${o_fail:-1} + p_fail + i18n_fail )) failed"
[ "$odoo_rc" = 0 ] && [ "$py_rc" = 0 ] && [ "$i18n_fail" = 0 ]
