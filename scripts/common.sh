# Shared settings of the set-up scripts. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
VENV="$ROOT/.venv"
PGDATA="$LOCAL/pgdata"
PGSOCK="$LOCAL/pgsock"
DATA_DIR="$LOCAL/odoo-data"  # Odoo's filestore (attachments, web assets) per database
PGPORT="${CCI_PGPORT:-54329}"
PGUSER_ODOO="odoo"
PGPASS_ODOO="odoo"
ODOO_PORT="${CCI_HTTP_PORT:-8069}"
# The local SMTP sink of `make run` (scripts/smtp_sink.py): run.sh points the demo's outgoing
# mail server at this port at each start, whatever the demo data wrote at installation.
SMTP_PORT="${CCI_SMTP_PORT:-2525}"
DEMO_DB="${CCI_DEMO_DB:-cci_demo}"
BASE_MODULES="mass_mailing,crm,survey,calendar,event,contacts"
OUR_MODULES="${CCI_MODULES:-cci_marketing,cci_pressure}"
export PATH="$LOCAL/node_modules/.bin:$PATH"
export TZ=UTC

die() { echo "error: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

pg_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

# Run a command as the OS user that owns the cluster (PostgreSQL refuses root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        su postgres -s /bin/sh -c "$*"
    else
        sh -c "$*"
    fi
}

odoo_bin() {
    "$VENV/bin/python" "$ROOT/scripts/odoo-bin" \
        --addons-path="$ROOT/addons" --data-dir="$DATA_DIR" \
        --db_host=127.0.0.1 --db_port="$PGPORT" \
        --db_user="$PGUSER_ODOO" --db_password="$PGPASS_ODOO" \
        "$@"
}
