"""Builds each addon's README.rst from its readme/ fragments (OCA layout), so the text a
user reads in the Apps screen is the one kept under readme/. Run after editing fragments;
`make lint` fails when a README.rst is out of date."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTIONS = [("DESCRIPTION.rst", None), ("INSTALL.rst", "Installation"),
            ("CONFIGURE.rst", "Configuration"), ("USAGE.rst", "Usage"),
            ("ROADMAP.rst", "Known issues / Roadmap"), ("CONTRIBUTORS.rst", "Contributors")]


def build(addon):
    path = os.path.join(ROOT, "addons", addon)
    manifest = eval(open(os.path.join(path, "__manifest__.py")).read())  # noqa: S307
    title = manifest["name"]
    parts = ["=" * len(title), title, "=" * len(title), "", manifest.get("summary", ""), ""]
    for filename, heading in SECTIONS:
        fragment = os.path.join(path, "readme", filename)
        if not os.path.exists(fragment):
            continue
        if heading:
            parts += [heading, "=" * len(heading), ""]
        parts += [open(fragment).read().rstrip(), ""]
    return "\n".join(parts)


def main(check=False):
    stale = []
    for addon in sorted(os.listdir(os.path.join(ROOT, "addons"))):
        if not os.path.isdir(os.path.join(ROOT, "addons", addon, "readme")):
            continue
        text = build(addon)
        target = os.path.join(ROOT, "addons", addon, "README.rst")
        current = open(target).read() if os.path.exists(target) else None
        if current != text:
            if check:
                stale.append(target)
            else:
                with open(target, "w") as out:
                    out.write(text)
    for target in stale:
        print("%s is out of date: run python3 scripts/readme.py" % target)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))
