"""`make bench` at a toy scale, so that the benchmark cannot rot between real runs."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_bench_smoke(tmp_path):
    out = tmp_path / "benchmarks.md"
    env = dict(os.environ)
    template = os.environ.get("CCI_E2E_TEMPLATE")
    # its own database and results file: another `make test` may run its smoke meanwhile
    suffix = "_%d" % os.getpid()
    args = [sys.executable, os.path.join(ROOT, "bench", "run.py"), "--scales", "smoke",
            "--repeat", "1", "--out", str(out), "--no-restart", "--suffix", suffix]
    if template:
        args += ["--template", template]
    proc = subprocess.run(args + ["--fresh"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-5000:]
    # again on the generated database: the backfill into an emptied ledger, as an install
    proc = subprocess.run(args + ["--only", "backfill"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert "smoke: backfill" in proc.stdout
    table = out.read_text()
    for label in ("first page of a company's timeline", "pressure check",
                  "send-time exclusion", "nightly refresh when nothing changed",
                  "recount of every partner", "backfill at install"):
        assert label in table
    subprocess.run(["bash", "-c", "source scripts/common.sh && source scripts/db.sh && "
                    "db_drop cci_bench_smoke%s" % suffix], cwd=ROOT, check=True)
    os.remove(os.path.join(ROOT, ".local", "bench", "smoke%s.json" % suffix))
