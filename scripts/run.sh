#!/usr/bin/env bash
# make run: creates what is missing (venv, PostgreSQL, demo database), then serves.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/db.sh"
"$ROOT/scripts/setup.sh" all
if (exec 3<>"/dev/tcp/127.0.0.1/$ODOO_PORT") 2>/dev/null; then
    die "port $ODOO_PORT is taken (another 'make run'?); stop it or set CCI_HTTP_PORT."
fi
if ! db_exists "$DEMO_DB"; then
    tmpl="$(base_template)"
    db_copy "$tmpl" "$DEMO_DB.tmp"
    log "Installing $OUR_MODULES with the chamber's demo data in $DEMO_DB"
    odoo_bin -d "$DEMO_DB.tmp" -i "$OUR_MODULES" --load-language=fr_FR --stop-after-init \
        --http-port "$(free_port)" --log-level=warn >"$LOCAL/$DEMO_DB.log" 2>&1 \
        || { tail -30 "$LOCAL/$DEMO_DB.log" >&2; die "demo database failed (log: $LOCAL/$DEMO_DB.log)"; }
    PSQL -c "\"ALTER DATABASE \\\"$DEMO_DB.tmp\\\" RENAME TO \\\"$DEMO_DB\\\"\""
    db_rename_filestore "$DEMO_DB.tmp" "$DEMO_DB"
fi
# Outgoing mail of the demo goes to a local sink (headers logged in .local/outbox.log).
SMTP_PORT="${CCI_SMTP_PORT:-2525}"
if ! (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then
    "$VENV/bin/python" "$ROOT/scripts/smtp_sink.py" "$SMTP_PORT" "$LOCAL/outbox.log" &
    sink_pid=$!
    trap 'kill $sink_pid 2>/dev/null' EXIT
fi
log "Serving $DEMO_DB on http://127.0.0.1:$ODOO_PORT (Ctrl-C stops; 'make stop' stops PostgreSQL)"
log "Logins (password = login): admin, marketing (moderator), formation, international, creation, apprentissage, appui (department members), employee"
"$VENV/bin/python" "$ROOT/scripts/odoo-bin" \
    --addons-path="$ROOT/addons" --data-dir="$DATA_DIR" --db_host=127.0.0.1 --db_port="$PGPORT" \
    --db_user="$PGUSER_ODOO" --db_password="$PGPASS_ODOO" \
    -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" --http-interface=127.0.0.1 --http-port="$ODOO_PORT" \
    --smtp=127.0.0.1 --smtp-port="$SMTP_PORT" --workers=0 --max-cron-threads=1
