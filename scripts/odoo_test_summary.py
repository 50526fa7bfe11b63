"""Reads an Odoo 11 test log, prints the failures and one line 'odoo: N passed, N failed'.

Odoo prints 'Ran N tests' per test module and FAIL/ERROR lines, not a total: this adds them up.
Exit status: non-zero when a test failed, errored, or the install itself failed.
"""
import re
import sys


def main(path, returncode):
    ran = failed = 0
    problems = []
    with open(path, errors="replace") as log:
        lines = log.readlines()
    for i, line in enumerate(lines):
        m = re.search(r"Ran (\d+) tests? in", line)
        if m:
            ran += int(m.group(1))
        if re.search(r"\b(FAIL|ERROR): ", line) and " odoo.addons." in line or re.search(
            r"^(FAIL|ERROR): test", line
        ):
            failed += 1
            problems.append("".join(lines[i:i + 25]))
        elif re.search(r" (ERROR|CRITICAL) ", line) and not re.search(r" (FAIL|ERROR): ", line):
            problems.append("".join(lines[i:i + 15]))
        elif " WARNING " in line and ("cci_" in line or "invalid module names" in line):
            # a warning about our own modules (bad view, unknown field, missing module)
            problems.append("".join(lines[i:i + 5]))
    install_failed = returncode != 0 or any(
        "At least one test failed" in line or "Failed to load registry" in line
        for line in lines
    )
    for p in problems:
        sys.stdout.write("----\n" + p)
    if install_failed and not failed:
        failed = 1
        sys.stdout.write("---- the install or the test run failed (exit %s); log: %s\n"
                         % (returncode, path))
        sys.stdout.write("".join(lines[-30:]))
    print("odoo: %d passed, %d failed" % (ran - min(failed, ran), failed))
    return 1 if (failed or install_failed or problems) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0))
