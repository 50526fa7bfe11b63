#!/usr/bin/env bash
# make run: creates what is missing (venv, PostgreSQL, demo database), then serves.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/db.sh"
"$ROOT/scripts/setup.sh" all
if (exec 3<>"/dev/tcp/127.0.0.1/$ODOO_PORT") 2>/dev/null; then
    die "port $ODOO_PORT is taken (another 'make run'?); stop it or set CCI_HTTP_PORT."
fi
# Outgoing mail of the demo goes to a local sink (headers logged in .local/outbox.log), on
# SMTP_PORT of common.sh (CCI_SMTP_PORT); started first, since the installation sends too
# (cci_pressure's demo reminder).
if ! (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then
    "$VENV/bin/python" "$ROOT/scripts/smtp_sink.py" "$SMTP_PORT" "$LOCAL/outbox.log" &
    sink_pid=$!
    trap 'kill $sink_pid 2>/dev/null' EXIT
fi
if ! db_exists "$DEMO_DB"; then
    tmpl="$(base_template)"
    db_copy "$tmpl" "$DEMO_DB.tmp"
    log "Installing $OUR_MODULES with the chamber's demo data in $DEMO_DB"
    # cci_marketing first: its demo mail server is set to the sink's port before the other
    # addons' installation sends
    install() {  # install MODULES [ODOO OPTIONS]
        odoo_bin -d "$DEMO_DB.tmp" -i "$@" --stop-after-init --http-port "$(free_port)" \
            --log-level=warn >>"$LOCAL/$DEMO_DB.log" 2>&1 \
            || { tail -30 "$LOCAL/$DEMO_DB.log" >&2; die "demo database failed (log: $LOCAL/$DEMO_DB.log)"; }
        demo_mail_to_sink "$DEMO_DB.tmp" "$SMTP_PORT"
    }
    : >"$LOCAL/$DEMO_DB.log"
    install cci_marketing --load-language=fr_FR
    others="$(echo "$OUR_MODULES" | tr , '\n' | grep -vx cci_marketing | paste -sd, || true)"
    [ -z "$others" ] || install "$others"
    PSQL -c "\"ALTER DATABASE \\\"$DEMO_DB.tmp\\\" RENAME TO \\\"$DEMO_DB\\\"\""
    db_rename_filestore "$DEMO_DB.tmp" "$DEMO_DB"
fi
# the demo's mail server follows the sink's port at each start (CCI_SMTP_PORT may change)
demo_mail_to_sink "$DEMO_DB" "$SMTP_PORT"
log "Serving $DEMO_DB on http://127.0.0.1:$ODOO_PORT (Ctrl-C stops; 'make stop' stops PostgreSQL)"
log "Logins (password = login): admin, marketing (moderator), formation, international, creation, apprentissage, appui (department members), employee"
"$VENV/bin/python" "$ROOT/scripts/odoo-bin" \
    --addons-path="$ROOT/addons" --data-dir="$DATA_DIR" --db_host=127.0.0.1 --db_port="$PGPORT" \
    --db_user="$PGUSER_ODOO" --db_password="$PGPASS_ODOO" \
    -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" --http-interface=127.0.0.1 --http-port="$ODOO_PORT" \
    --smtp=127.0.0.1 --smtp-port="$SMTP_PORT" --workers=0 --max-cron-threads=1
