#!/usr/bin/env bash
# make lint: pylint-odoo (valid for 11.0) and ruff on the addons and tests, in their own
# Python 3 venv (the linters need a newer Python than Odoo 11's 3.7; they only read the code).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
LINT="$ROOT/.venv-lint"
if ! "$LINT/bin/python" -c 'import pylint_odoo, ruff' >/dev/null 2>&1; then
    py="$(command -v python3.11 || command -v python3)"
    log "Installing the linters (pylint-odoo, ruff) in $LINT"
    "$py" -m venv "$LINT"
    "$LINT/bin/pip" install -q pylint-odoo==10.0.12 ruff==0.17.5
fi
cd "$ROOT"
"$LINT/bin/ruff" check addons tests bench scripts/*.py
# The SQL of the addons is composed from identifiers written in the code (tables, columns,
# capture queries); every value goes as a query parameter: reviewed, so not flagged.
# A model's concerns live in files of their own (models/mail_mass_mailing_*.py), on purpose.
"$LINT/bin/pylint" --rcfile=.pylintrc --disable=sql-injection \
    --disable=consider-merging-classes-inherited addons/cci_marketing $( [ -d addons/cci_pressure ] && echo addons/cci_pressure )
python3 "$ROOT/scripts/readme.py" --check
echo "lint: clean"
