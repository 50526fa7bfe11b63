#!/usr/bin/env bash
# make bench: generate (once) and measure at three scales; writes docs/benchmarks.md.
# BENCH_SCALES=S,M,L BENCH_REPEAT=9 by default; `BENCH_SCALES=smoke` for a quick look.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$ROOT/scripts/setup.sh" all
exec "$VENV/bin/python" "$ROOT/bench/run.py" --scales "${BENCH_SCALES:-S,M,L}" \
    --repeat "${BENCH_REPEAT:-9}" "$@"
