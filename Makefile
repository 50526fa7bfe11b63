# Two commands on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash

.PHONY: run test stop lint bench setup odoo-tests e2e clean-dbs

run:            ## venv, PostgreSQL, demo database (created once), then serve on :8069
	@scripts/run.sh

test:           ## everything from nothing: Odoo tests, end-to-end tests, bench smoke
	@scripts/test.sh

stop:           ## stop the local PostgreSQL cluster
	@scripts/setup.sh stop

lint:           ## pylint-odoo and ruff on the addons
	@scripts/lint.sh

bench:          ## benchmarks at chamber scale (not part of make test)
	@scripts/bench.sh

setup:
	@scripts/setup.sh all

odoo-tests:     ## only the addons' Odoo tests
	@scripts/odoo-tests.sh

clean-dbs:      ## drop the throw-away test databases
	@scripts/clean-dbs.sh
