"""The port seam holds: no Odoo 11 name of mass mailing or its tracking in the addons'
Python outside ``cci_marketing/odoo11.py`` (see docs/porting.md). No server needed.

What is scanned: the string literals of the code (model and table names, SQL), not the
docstrings and comments (they explain, a port does not break on them) nor the module names
(``mail_mass_mailing.py`` is the file of that model by the Odoo layout rules). Left out:
the seam itself; the migrations, which name what older databases hold; the addons' tests,
which drive Odoo's own API as an integration would (``env["mail.mail.statistics"]``) and
are ported with the behaviour they check (docs/porting.md counts them).
"""
import os
import re
import tokenize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = os.path.join(ROOT, "addons")
SEAM = os.path.join("cci_marketing", "odoo11.py")
# Model names (dotted) and table names (underscored) of Odoo 11's mass mailing and tracking.
# Ours stay: the ledger's field mass_mailing_id, and the files and xml ids of our own
# modules named for the model by the layout rules (mail_mass_mailing_views.xml,
# cci_marketing.mail_mass_mailing_planning_action), which a port may keep.
ODOO11_NAMES = re.compile(
    r"mail\.mass_mailing|mail\.mail\.statistics|link\.tracker\.click"
    r"|\bmail_mass_mailing(?:_(?:contact|list|test|tag|campaign|stage)\w*)?\b"
    r"|\bmail_mail_statistics\b|\blink_tracker_click\b"
    r"|\bmass_mailing\.model_\w+"  # the xml ids of Odoo's records of those models
)


def _python_files(addons):
    for folder, dirs, files in os.walk(addons):
        rel = os.path.relpath(folder, addons)
        parts = rel.split(os.sep)
        if "tests" in parts or "migrations" in parts:
            dirs[:] = []
            continue
        for name in sorted(files):
            path = os.path.relpath(os.path.join(folder, name), addons)
            if name.endswith(".py") and path != SEAM:
                yield path


def _string_literals(path):
    """(line, text) of the string literals of a file that are not a statement of their
    own (a docstring, or a bare string used as a comment)."""
    with open(path, encoding="utf-8") as source:
        tokens = [t for t in tokenize.generate_tokens(source.readline)
                  if t.type not in (tokenize.COMMENT, tokenize.NL)]
    for i, token in enumerate(tokens):
        if token.type != tokenize.STRING:
            continue
        before = tokens[i - 1].type if i else tokenize.NEWLINE
        after = tokens[i + 1].type if i + 1 < len(tokens) else tokenize.NEWLINE
        if before in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) \
                and after in (tokenize.NEWLINE, tokenize.ENDMARKER):
            continue
        for offset, line in enumerate(token.string.splitlines()):
            yield token.start[0] + offset, line


def odoo11_names_outside_seam(addons=ADDONS):
    """["file:line: name"] of the Odoo 11 names in string literals outside the seam."""
    found = []
    for path in _python_files(addons):
        for lineno, line in _string_literals(os.path.join(addons, path)):
            for match in ODOO11_NAMES.finditer(line):
                found.append("addons/%s:%d: %s" % (path, lineno, match.group(0)))
    return found


def test_no_odoo11_name_outside_the_seam():
    found = odoo11_names_outside_seam()
    assert not found, ("Odoo 11 names outside addons/cci_marketing/odoo11.py (use its "
                       "constants, see docs/porting.md):\n" + "\n".join(found))


def test_the_scan_sees_a_new_name(tmp_path):
    """The guard itself: a model or table name written in a new file is reported."""
    models = tmp_path / "cci_new" / "models"
    models.mkdir(parents=True)
    (models / "thing.py").write_text(
        '"""Docstrings may say mail.mass_mailing."""\n'
        "# so may comments: mail_mail_statistics\n"
        'MODEL = "mail.mass_mailing"\n'
        'QUERY = """\n    SELECT id\n      FROM mail_mail_statistics\n"""\n'
        'FIELD = "mass_mailing_id"\n')
    assert odoo11_names_outside_seam(str(tmp_path)) == [
        "addons/cci_new/models/thing.py:3: mail.mass_mailing",
        "addons/cci_new/models/thing.py:6: mail_mail_statistics",
    ]
