"""docs/api.md's runnable example, run as written against the test server."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_documented_example_runs(odoo, capsys):
    doc = open(os.path.join(ROOT, "docs", "api.md")).read()
    code = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    code = code.replace('"http://127.0.0.1:8069", "cci_demo"', repr(odoo.url) + ", " + repr(odoo.db))
    exec(compile(code, "docs/api.md", "exec"), {})  # noqa: S102
    printed = capsys.readouterr().out.splitlines()
    total, ok, over, _suggested = printed[0].split(" ", 3)
    assert int(total) == 3 and int(ok) + int(over) == 3
