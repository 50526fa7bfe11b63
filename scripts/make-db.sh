#!/usr/bin/env bash
# A database with both addons and their demo data, from the cached base database.
# Usage: scripts/make-db.sh NAME
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/db.sh"
"$ROOT/scripts/setup.sh" all
db="$1"
db_copy "$(base_template)" "$db"
odoo_bin -d "$db" -i "$OUR_MODULES" --stop-after-init --http-port "$(free_port)" \
    --log-level=warn >"$LOCAL/$db.log" 2>&1 || { tail -30 "$LOCAL/$db.log" >&2; exit 1; }
