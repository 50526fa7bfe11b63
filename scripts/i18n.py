"""Translations of the addons, generated from the code, never typed from scratch.

    i18n.py export DB   write addons/<addon>/i18n/<addon>.pot from the installed addons and
                        merge it into i18n/fr.po (new terms empty, gone terms dropped)
    i18n.py check DB    fail when a term of the code has no French translation in fr.po

DB is a database with both addons installed (make test's, or make run's cci_demo).
"""
import os
import subprocess
import sys
import tempfile

import polib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = ["cci_marketing", "cci_pressure"]


def export_pot(db, addon):
    with tempfile.NamedTemporaryFile(suffix=".po", delete=False) as tmp:
        path = tmp.name
    subprocess.run(
        ["bash", "-c", "source scripts/common.sh && odoo_bin -d %s --i18n-export=%s "
         "--modules=%s --stop-after-init --log-level=warn --http-port=0" % (db, path, addon)],
        cwd=ROOT, check=True)
    pot = polib.pofile(path)
    os.unlink(path)
    return pot


def po_path(addon):
    return os.path.join(ROOT, "addons", addon, "i18n", "fr.po")


def key(entry):
    return (entry.msgctxt, entry.msgid)


def export(db):
    for addon in ADDONS:
        pot = export_pot(db, addon)
        os.makedirs(os.path.dirname(po_path(addon)), exist_ok=True)
        pot.save(os.path.join(os.path.dirname(po_path(addon)), "%s.pot" % addon))
        old = polib.pofile(po_path(addon)) if os.path.exists(po_path(addon)) else None
        known = {key(e): e.msgstr for e in old} if old else {}
        po = polib.POFile()
        po.metadata = {
            "Project-Id-Version": "Odoo Server 11.0",
            "Language": "fr",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "",
            "Plural-Forms": "nplurals=2; plural=(n > 1);",
        }
        for entry in pot:
            entry.msgstr = known.get(key(entry), "")
            po.append(entry)
        po.save(po_path(addon))
        missing = [e for e in po if not e.msgstr]
        print("%s: %d terms, %d without translation" % (addon, len(po), len(missing)))


def check(db):
    missing_total = 0
    for addon in ADDONS:
        pot = export_pot(db, addon)
        po = polib.pofile(po_path(addon)) if os.path.exists(po_path(addon)) else []
        translated = {key(e) for e in po if e.msgstr and "fuzzy" not in e.flags}
        missing = [e for e in pot if key(e) not in translated]
        for entry in missing[:50]:
            print("%s: no French for %r (%s)" % (addon, entry.msgid,
                                                 ", ".join(o[0] for o in entry.occurrences[:2])))
        missing_total += len(missing)
        print("%s: %d terms, %d without French translation" % (addon, len(pot), len(missing)))
    return 1 if missing_total else 0


if __name__ == "__main__":
    action, database = sys.argv[1], sys.argv[2]
    sys.exit(export(database) if action == "export" else check(database))
