#!/usr/bin/env bash
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/db.sh"
for db in $(PSQL -c "\"SELECT datname FROM pg_database WHERE datname LIKE 'cci_test_%' OR datname LIKE 'cci_e2e_%' OR datname LIKE 'cci_bench_smoke_%'\""); do
    db_drop "$db" && echo "dropped $db"
done
